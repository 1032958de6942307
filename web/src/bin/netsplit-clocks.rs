//! The bundle of the time and order lab alone (see `netsplit_web::bundle`).
fn main() {
    netsplit_web::bundle::start(&netsplit_web::labs::clocks::BUNDLE);
}
