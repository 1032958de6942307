//! The bundle of the broadcast lab alone (see `netsplit_web::bundle`).
fn main() {
    netsplit_web::bundle::start(&netsplit_web::labs::broadcast::BUNDLE);
}
