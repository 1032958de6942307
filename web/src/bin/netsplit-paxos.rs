//! The bundle of the Paxos lab alone (see `netsplit_web::bundle`).
fn main() {
    netsplit_web::bundle::start(&netsplit_web::labs::paxos::BUNDLE);
}
