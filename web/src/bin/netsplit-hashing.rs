//! The bundle of the consistent hashing lab alone (see `netsplit_web::bundle`).
fn main() {
    netsplit_web::bundle::start(&netsplit_web::labs::hashing::BUNDLE);
}
