//! The `netsplit` headless command-line tool.
fn main() {
    eprintln!("netsplit: not built yet");
    std::process::exit(2);
}
