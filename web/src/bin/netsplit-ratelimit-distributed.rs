//! The rate limiting page's "Distributed limiter" tab, a part the page downloads when the tab
//! is first opened (see `netsplit_web::remote_part`).
fn main() {
    netsplit_web::remote_part::mount(
        &netsplit_web::labs::ratelimit::DISTRIBUTED,
        "ratelimit-distributed",
    );
}
