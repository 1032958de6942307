//! The development build Trunk serves: every page in one bundle (`crate::bundle::ALL`).
//! The published site also has one bundle per page (web/src/bin/).
fn main() {
    netsplit_web::bundle::start(&netsplit_web::bundle::ALL);
}
