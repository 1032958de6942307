//! The bundle of the lab gallery alone (see `netsplit_web::bundle`).
fn main() {
    netsplit_web::bundle::start(&netsplit_web::bundle::HOME);
}
