//! The bundle of the CRDT lab alone (see `netsplit_web::bundle`).
fn main() {
    netsplit_web::bundle::start(&netsplit_web::labs::crdt::BUNDLE);
}
