//! Installs what a fresh machine lacks, from the package registries only, and says clearly
//! what went wrong when it cannot. Every check is cheap, so a second run skips straight on.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a command needs installed.
#[derive(Clone, Copy)]
pub struct Needs {
    browser: bool,
}

impl Needs {
    /// `serve` and `dist`: the wasm toolchain and wasm-opt.
    pub const SERVE: Needs = Needs { browser: false };
    /// `test`: all of the above plus Chromium, ChromeDriver and Playwright.
    pub const TEST: Needs = Needs { browser: true };
}

/// The trunk release line that works with this machine's rustc (0.22 needs a newer one).
const TRUNK_VERSION_REQ: &str = "~0.21";
const TRUNK_VERSION_PREFIX: &str = "trunk 0.21.";

/// Puts the project's npm tools (wasm-opt) and cargo's install folder first on PATH, so trunk
/// and the test steps find the binaries this file installs.
pub fn prepend_tool_paths(root: &Path) {
    let mut paths = vec![root.join("node_modules").join(".bin")];
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        paths.push(Path::new(&home).join("bin"));
    } else if let Some(home) = std::env::var_os("HOME") {
        paths.push(Path::new(&home).join(".cargo").join("bin"));
    }
    if let Some(existing) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    if let Ok(joined) = std::env::join_paths(paths) {
        // SAFETY: xtask is single-threaded here; nothing else reads the environment concurrently.
        unsafe { std::env::set_var("PATH", joined) };
    }
}

/// Cargo's own folder: `CARGO_HOME`, or `~/.cargo`.
fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
}

/// The folders of this machine whose paths a build would write into the WebAssembly (the
/// file names of dependencies' panic locations): cargo's unpacked crate sources, one folder
/// per registry, and its git checkouts.
pub fn dependency_source_dirs() -> Vec<PathBuf> {
    let Some(home) = cargo_home() else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(home.join("registry").join("src"))
        .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
        .unwrap_or_default();
    dirs.push(home.join("git").join("checkouts"));
    dirs.sort();
    dirs
}

/// Every WebAssembly build xtask starts (trunk, the page bundles, the browser tests, clippy)
/// names dependencies' source files `/deps/<crate>/...` instead of by this machine's path:
/// the published site then holds no path of the machine that built it (nor a registry's
/// name), and each bundle is a little smaller. Left alone when the user sets the flags.
pub fn remap_dependency_paths() {
    const VARIABLE: &str = "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS";
    if std::env::var_os(VARIABLE).is_some() {
        return;
    }
    // The variable is split at spaces, so a folder whose path has one keeps its name.
    let flags: Vec<String> = dependency_source_dirs()
        .iter()
        .filter_map(|dir| dir.to_str())
        .filter(|dir| !dir.contains(char::is_whitespace))
        .map(|dir| format!("--remap-path-prefix={dir}=/deps"))
        .collect();
    if !flags.is_empty() {
        // SAFETY: xtask is single-threaded here; nothing else reads the environment concurrently.
        unsafe { std::env::set_var(VARIABLE, flags.join(" ")) };
    }
}

/// Fails with a clear message when something already listens on the port.
pub fn check_port_free(port: u16) -> Result<(), String> {
    TcpListener::bind(("127.0.0.1", port))
        .map(drop)
        .map_err(|error| {
            format!(
                "port {port} on 127.0.0.1 is already in use ({error}).\n\
             Another `cargo xtask serve` or `trunk serve` may be running: stop it, or pick another \
             port with `cargo xtask serve --port 8081`."
            )
        })
}

/// Installs whatever `needs` asks for and is missing.
pub fn ensure_all(root: &Path, needs: Needs) -> Result<(), String> {
    ensure_wasm_target()?;
    ensure_npm_packages(root)?;
    ensure_wasm_bindgen(root)?;
    ensure_trunk()?;
    if needs.browser {
        ensure_chromium()?;
    }
    // trunk runs cargo with --offline (see Trunk.toml), so the crates must be here first.
    step(
        "fetching crates",
        || run_quiet(root, "cargo", &["fetch"]),
        REGISTRY_HINT,
    )?;
    Ok(())
}

const REGISTRY_HINT: &str = "Is the package registry reachable from this machine? \
     (the Rust package registry for cargo, npm for npm, Debian's archive for apt-get)";

fn ensure_wasm_target() -> Result<(), String> {
    let installed = output_of("rustup", &["target", "list", "--installed"]).map_err(|_| {
        "rustup was not found. Netsplit builds with a rustup-managed stable toolchain: \
         install rustup, then run this again."
            .to_string()
    })?;
    if installed
        .lines()
        .any(|line| line.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    step(
        "installing the wasm32-unknown-unknown target (rustup)",
        || {
            run_loud(
                Path::new(HERE),
                "rustup",
                &["target", "add", "wasm32-unknown-unknown"],
            )
        },
        "rustup could not download the target.",
    )
}

fn ensure_npm_packages(root: &Path) -> Result<(), String> {
    let marker = root.join("node_modules").join(".package-lock.json");
    let lock = root.join("package-lock.json");
    let fresh = match (modified(&marker), modified(&lock)) {
        (Some(installed), Some(locked)) => installed >= locked,
        _ => false,
    };
    if fresh
        && root.join("node_modules/.bin/wasm-opt").exists()
        && root.join("node_modules/.bin/terser").exists()
        && root.join("node_modules/.bin/csso").exists()
        && root.join("node_modules/playwright-core").exists()
        && root.join(crate::pack::UNPACKER_SOURCE).exists()
    {
        return Ok(());
    }
    if output_of("npm", &["--version"]).is_err() {
        return Err(
            "npm was not found. Netsplit installs wasm-opt (binaryen), playwright-core and \
             xz-decompress from the npm registry: install Node.js 20+ with npm, then run this again."
                .into(),
        );
    }
    step(
        "installing npm packages (binaryen, terser, csso, playwright-core, xz-decompress) with npm ci",
        || run_loud(root, "npm", &["ci", "--no-audit", "--no-fund"]),
        REGISTRY_HINT,
    )
}

/// The wasm-bindgen version Cargo.lock pins; the CLI must match it exactly.
fn locked_wasm_bindgen_version(root: &Path) -> Result<String, String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|error| format!("could not read Cargo.lock: {error}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(version) = lines
                .next()
                .and_then(|next| next.trim().strip_prefix("version = "))
        {
            return Ok(version.trim_matches('"').to_string());
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry; run `cargo generate-lockfile`".into())
}

fn ensure_wasm_bindgen(root: &Path) -> Result<(), String> {
    let wanted = locked_wasm_bindgen_version(root)?;
    let have_cli = output_of("wasm-bindgen", &["--version"]).unwrap_or_default();
    let have_runner = output_of("wasm-bindgen-test-runner", &["--version"]).unwrap_or_default();
    if have_cli.trim() == format!("wasm-bindgen {wanted}") && have_runner.contains(&wanted) {
        return Ok(());
    }
    // `--locked` fails here: the CLI's own lockfile wants a webpki-roots release the registry lacks.
    step(
        &format!("installing wasm-bindgen-cli {wanted} (matches Cargo.lock; ~2 minutes)"),
        || {
            run_loud(
                Path::new(HERE),
                "cargo",
                &[
                    "install",
                    "wasm-bindgen-cli",
                    "--version",
                    &format!("={wanted}"),
                    "--force",
                ],
            )
        },
        REGISTRY_HINT,
    )
}

fn ensure_trunk() -> Result<(), String> {
    if output_of("trunk", &["--version"]).is_ok_and(|text| text.starts_with(TRUNK_VERSION_PREFIX)) {
        return Ok(());
    }
    step(
        "installing trunk 0.21 (the last line that builds with rustc 1.95; ~7 minutes on 2 cores)",
        || {
            run_loud(
                Path::new(HERE),
                "cargo",
                &[
                    "install",
                    "trunk",
                    "--version",
                    TRUNK_VERSION_REQ,
                    "--locked",
                ],
            )
        },
        REGISTRY_HINT,
    )
}

fn ensure_chromium() -> Result<(), String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let driver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    if Path::new(&chromium).exists() && Path::new(&driver).exists() {
        return Ok(());
    }
    if output_of("apt-get", &["--version"]).is_err() {
        return Err(format!(
            "Chromium ({chromium}) or ChromeDriver ({driver}) is missing, and this is not a Debian \
             host (no apt-get). Install Chromium and a matching ChromeDriver with your package \
             manager, then point CHROMIUM and CHROMEDRIVER at them."
        ));
    }
    let root_user = output_of("id", &["-u"]).is_ok_and(|uid| uid.trim() == "0");
    let (program, prefix): (&str, &[&str]) = if root_user {
        ("apt-get", &[])
    } else {
        ("sudo", &["apt-get"])
    };
    let with = |rest: &[&str]| -> Vec<String> {
        prefix
            .iter()
            .chain(rest)
            .map(|part| part.to_string())
            .collect()
    };
    step(
        "installing Debian packages chromium and chromium-driver (apt-get)",
        || {
            let update = with(&["update", "-qq"]);
            let install = with(&["install", "-y", "-qq", "chromium", "chromium-driver"]);
            run_loud(Path::new(HERE), program, &update)?;
            run_loud(Path::new(HERE), program, &install)
        },
        "apt-get could not install them. Are Debian's package mirrors reachable, and are you root \
         (or allowed to use sudo)?",
    )
}

/// Where commands run when the folder does not matter (rustup, cargo install, apt-get).
const HERE: &str = ".";

/// Runs one install step, printing what it does and a hint if it fails.
fn step(what: &str, action: impl FnOnce() -> Result<(), String>, hint: &str) -> Result<(), String> {
    println!("xtask: {what}");
    action().map_err(|error| format!("{what}: failed.\n{error}\n{hint}"))
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
}

/// What a full `cargo xtask test` writes under `target/` from a clean clone (3.2 GB measured,
/// with room to spare), and what `dist/` and the npm packages add.
const DISK_NEEDED_BYTES: u64 = 5_000_000_000;

/// Warns, before anything is built, when the disk holding `root` has less free space than a
/// full test run needs: a run that fills the disk fails halfway with errors that do not say
/// why. Says nothing when `df` cannot tell.
pub fn warn_if_disk_is_short(root: &Path) {
    let Some(free) = output_of("df", &["-Pk", &root.display().to_string()])
        .ok()
        .and_then(|report| free_bytes(&report))
    else {
        return;
    };
    if free < DISK_NEEDED_BYTES {
        println!(
            "xtask: warning: {:.1} GB free on the disk holding {}; a full test run needs about {} GB \
             (the builds under target/). Free some space if a step fails with 'No space left on device'.",
            free as f64 / 1e9,
            root.display(),
            DISK_NEEDED_BYTES / 1_000_000_000
        );
    }
}

/// The free bytes in `df -Pk`'s report: the fourth column of its second line, in KiB.
fn free_bytes(report: &str) -> Option<u64> {
    let line = report.lines().nth(1)?;
    let kib: u64 = line.split_whitespace().nth(3)?.parse().ok()?;
    Some(kib * 1024)
}

/// Standard output of a command that succeeded.
fn output_of(program: &str, args: &[&str]) -> Result<String, String> {
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("{program}: {error}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// Runs `program` in `dir` with its output on the terminal; fails with the command line.
fn run_loud<S: AsRef<str>>(dir: &Path, program: &str, args: &[S]) -> Result<(), String> {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let status = Command::new(program)
        .current_dir(dir)
        .args(&args)
        .stdin(Stdio::null())
        .status()
        .map_err(|error| format!("could not start {program}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program} {}` exited with {status}",
            args.join(" ")
        ))
    }
}

fn run_quiet(dir: &Path, program: &str, args: &[&str]) -> Result<(), String> {
    let output = Command::new(program)
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("could not start {program}: {error}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_is_read_from_dfs_report() {
        let report = "Filesystem 1024-blocks Used Available Capacity Mounted on\n\
                      /dev/vda 264000000 94000000 1200000 99% /\n";
        assert_eq!(free_bytes(report), Some(1_200_000 * 1024));
        assert_eq!(free_bytes("Filesystem\n"), None);
        assert_eq!(free_bytes(""), None);
    }

    #[test]
    fn the_locked_wasm_bindgen_version_is_read_from_cargo_lock() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let version = locked_wasm_bindgen_version(root).unwrap();
        assert!(version.starts_with("0.2."), "unexpected version {version}");
    }

    #[test]
    fn a_port_in_use_is_reported_with_a_way_out() {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let message = check_port_free(port).unwrap_err();
        assert!(message.contains("already in use"), "{message}");
        assert!(message.contains("--port"), "{message}");
    }
}
