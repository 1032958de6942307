//! The bundle of the gossip lab alone (see `netsplit_web::bundle`).
fn main() {
    netsplit_web::bundle::start(&netsplit_web::labs::gossip::BUNDLE);
}
