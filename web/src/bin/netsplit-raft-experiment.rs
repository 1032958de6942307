//! The Raft page's election-time experiment (Figure 16), a part the page downloads when the
//! learner first runs it (see `netsplit_web::remote_part`).
fn main() {
    netsplit_web::remote_part::mount(
        &netsplit_web::labs::raft::EXPERIMENT,
        netsplit_web::labs::raft::experiment::PART,
    );
}
