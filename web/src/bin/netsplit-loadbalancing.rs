//! The bundle of the load balancing lab alone (see `netsplit_web::bundle`).
fn main() {
    netsplit_web::bundle::start(&netsplit_web::labs::loadbalancing::BUNDLE);
}
