//! The bundle of the Raft lab alone (see `netsplit_web::bundle`).
fn main() {
    netsplit_web::bundle::start(&netsplit_web::labs::raft::BUNDLE);
}
