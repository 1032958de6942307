//! The bundle of the idempotency keys lab alone (see `netsplit_web::bundle`).
fn main() {
    netsplit_web::bundle::start(&netsplit_web::labs::idempotency::BUNDLE);
}
