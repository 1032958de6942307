//! The bundle of the transactions lab alone (see `netsplit_web::bundle`).
fn main() {
    netsplit_web::bundle::start(&netsplit_web::labs::transactions::BUNDLE);
}
