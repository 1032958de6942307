//! `cargo xtask`: Netsplit's set-up, build and test entry points.
//!
//! - `cargo xtask serve [--port N]`: install what is missing, then `trunk serve` on loopback.
//! - `cargo xtask test`: install what is missing, then every check CI runs, in order, with one
//!   closing `N passed, M failed` line.
//! - `cargo xtask dist`: an optimized static build in `dist/`, with each file's size raw and gzipped.
//! - `cargo xtask bench`: the engine and lab benchmarks natively, and the browser benchmarks.
//!
//! Everything a fresh machine needs is installed from the package registries (the Rust package
//! registry, npm, Debian's archive); nothing is downloaded from anywhere else, and trunk is told
//! to stay offline.

mod bundles;
mod pack;
mod registration;
mod setup;
mod shorten;
mod sizes;
mod steps;
mod styles;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use steps::Steps;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    setup::prepend_tool_paths(&root);
    setup::remap_dependency_paths();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&root, &args[1..]),
        Some("test") => test(&root, &args[1..]),
        Some("dist") => dist(&root),
        Some("bench") => bench(&root, &args[1..]),
        Some("setup") => setup::ensure_all(&root, setup::Needs::TEST),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: {message}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: cargo xtask <command>

commands:
  serve [--port N]   install what is missing, then serve the app at http://127.0.0.1:N/ (default 8080)
  test [--no-e2e]    install what is missing, then run every check CI runs
  dist               optimized static build into dist/, with sizes raw and gzipped
  bench [--quick] [--browser]
                     benchmarks: engine and labs natively (skipped with --browser), the engine
                     in wasm32, the frame times and the unpacking times in headless Chromium
  setup              install what is missing and stop";

/// The workspace root: the folder above this crate.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one folder below the workspace root")
        .to_path_buf()
}

fn serve(root: &Path, args: &[String]) -> Result<(), String> {
    let port = match args {
        [] => 8080,
        [flag, value] if flag == "--port" => value.parse::<u16>().map_err(|_| {
            format!("--port: expected a port number from 1 to 65535, got {value:?}")
        })?,
        _ => return Err(format!("serve: unexpected arguments {args:?}\n\n{USAGE}")),
    };
    // Say so plainly before anything slow happens, rather than letting trunk fail later.
    setup::check_port_free(port)?;
    setup::ensure_all(root, setup::Needs::SERVE)?;
    println!("\nNetsplit: building, then serving at http://127.0.0.1:{port}/  (Ctrl+C to stop)\n");
    let status = std::process::Command::new("trunk")
        .current_dir(root)
        .args([
            "serve",
            "--address",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .status()
        .map_err(|error| format!("could not start trunk: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("trunk serve exited with {status}"))
    }
}

fn test(root: &Path, args: &[String]) -> Result<(), String> {
    let run_e2e = !args.iter().any(|arg| arg == "--no-e2e");
    setup::warn_if_disk_is_short(root);
    setup::ensure_all(root, setup::Needs::TEST)?;
    let mut steps = Steps::new(root);
    let missing = registration::missing(root);
    if missing.is_empty() {
        steps.passed(
            "every lab registered everywhere",
            "core, presets, web and bundle",
        );
    } else {
        steps.failed("every lab registered everywhere", &missing.join("\n"));
    }
    steps.check("cargo fmt", "cargo", &["fmt", "--all", "--check"]);
    steps.check(
        "clippy (native)",
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--features",
            "netsplit-core/cli",
            "--",
            "-D",
            "warnings",
        ],
    );
    steps.check(
        "clippy (wasm32)",
        "cargo",
        &[
            "clippy",
            "-p",
            "netsplit-web",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    );
    let core_passed = steps.tests(
        "core and xtask tests (unit, property, doc)",
        "cargo",
        &[
            "test",
            "-p",
            "netsplit-core",
            "-p",
            "xtask",
            "--all-features",
        ],
    );
    if core_passed {
        // Those tests built the CLI from this checkout; the end-to-end tests that compare the
        // browser with it run that binary instead of building it again.
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        let cli = target
            .join("debug")
            .join(format!("netsplit{}", std::env::consts::EXE_SUFFIX));
        if cli.is_file() {
            steps.set_env("NETSPLIT_CLI", &cli.display().to_string());
        }
    }
    steps.tests(
        "web tests (wasm-bindgen-test, headless Chromium)",
        "cargo",
        &[
            "test",
            "-p",
            "netsplit-web",
            "--target",
            "wasm32-unknown-unknown",
        ],
    );
    let built = steps.check("trunk build --release", "trunk", &["build", "--release"])
        && bundles::build(root, &mut steps);
    if built {
        let checked = bundles::site(root)
            .and_then(|site| sizes::check_budgets(&root.join("dist"), &site.pages, &site.parts));
        match checked {
            Ok(summary) => steps.passed("first-visit size budgets", &summary),
            Err(why) => steps.failed("first-visit size budgets", &why),
        }
        let mut machine_paths = setup::dependency_source_dirs();
        machine_paths.push(root.to_path_buf());
        match sizes::check_no_paths(&root.join("dist"), &machine_paths) {
            Ok(summary) => steps.passed("the site names no path of this machine", &summary),
            Err(why) => steps.failed("the site names no path of this machine", &why),
        }
    }
    if run_e2e {
        if built {
            // Two files at a time: each has its own browser and server, and a test spends
            // most of its time waiting for the page (about a third of one core), so two
            // share the machine's cores without slowing each other's clocks much.
            steps.tests(
                "end-to-end (Playwright, node --test)",
                "node",
                &["--test", "--test-concurrency=2", "e2e/"],
            );
        } else {
            steps.skipped("end-to-end (Playwright)", "the release build failed");
        }
    }
    steps.finish()
}

fn dist(root: &Path) -> Result<(), String> {
    setup::ensure_all(root, setup::Needs::SERVE)?;
    let mut steps = Steps::new(root);
    if !steps.check("trunk build --release", "trunk", &["build", "--release"])
        || !bundles::build(root, &mut steps)
    {
        return Err("the release build failed".into());
    }
    let site = bundles::site(root)?;
    sizes::report(&root.join("dist"), &site.pages, &site.parts)
}

fn bench(root: &Path, args: &[String]) -> Result<(), String> {
    let quick = args.iter().any(|arg| arg == "--quick");
    let browser_only = args.iter().any(|arg| arg == "--browser");
    setup::ensure_all(root, setup::Needs::TEST)?;
    let mut steps = Steps::new(root);
    if !browser_only {
        let mut bench_args = vec!["bench", "-p", "netsplit-core"];
        if quick {
            bench_args.extend(["--", "--quick"]);
        }
        steps.check("native benchmarks (criterion)", "cargo", &bench_args);
    }
    // The same engine workloads in WebAssembly, inside headless Chromium.
    // SAFETY: single-threaded here; the variable is read by the child process only.
    unsafe { std::env::set_var("WASM_BINDGEN_USE_BROWSER", "1") };
    steps.check(
        "engine in wasm32 (headless Chromium)",
        "cargo",
        &[
            "test",
            "-p",
            "netsplit-core",
            "--target",
            "wasm32-unknown-unknown",
            "--release",
            "--test",
            "wasm",
            "--",
            "--nocapture",
        ],
    );
    unsafe { std::env::remove_var("WASM_BINDGEN_USE_BROWSER") };
    if steps.check("trunk build --release", "trunk", &["build", "--release"])
        && bundles::build(root, &mut steps)
    {
        steps.check(
            "frame times in headless Chromium",
            "node",
            &["e2e/bench/frames.mjs"],
        );
        steps.check(
            "unpacking the xz-packed bundles in headless Chromium",
            "node",
            &["e2e/bench/unpack.mjs"],
        );
    }
    steps.finish()
}
