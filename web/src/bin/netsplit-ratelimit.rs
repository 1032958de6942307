//! The bundle of the rate limiting lab alone (see `netsplit_web::bundle`).
fn main() {
    netsplit_web::bundle::start(&netsplit_web::labs::ratelimit::BUNDLE);
}
