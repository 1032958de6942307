//! Runs check and test steps one after another, echoing their output, counting the tests each
//! runner reports, and closing with one `N passed, M failed` line.
//!
//! Every step runs with `TMPDIR` pointed at a scratch folder of its own, made fresh under `/tmp`
//! (as `mktemp -d` would, `/tmp/netsplit-xtask-<pid>-XXXXXX`) and removed when the step ends.
//! Two things decide that:
//!
//! - Chromium and ChromeDriver make a profile folder of about 80 MB in the temporary folder for
//!   each browser they start, and wasm-bindgen-test-runner does not remove it when it stops the
//!   browser: left behind, a few hundred test runs filled the disk. So a step's folder goes when
//!   the step ends, and the folders of an xtask that was killed mid-step go when the next one
//!   starts.
//! - Chromium puts its `SingletonSocket` in `$TMPDIR/org.chromium.Chromium.XXXXXX/`, and the
//!   path of a Unix socket is limited to 107 bytes. A scratch folder inside the checkout (it was
//!   `target/xtask-tmp/<pid>/`) made every browser test fail ("Socket path too long") from a
//!   checkout about 60 characters deep; under `/tmp` the path is short whatever the checkout's.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

use tempfile::TempDir;

/// How every scratch folder's name starts; the xtask's process id and random characters follow.
const SCRATCH_PREFIX: &str = "netsplit-xtask-";

/// The running tally of a `cargo xtask` invocation.
pub struct Steps {
    root: PathBuf,
    /// The folder scratch folders are made in.
    scratch_base: PathBuf,
    passed: u64,
    failed: u64,
    failures: Vec<String>,
    started: Instant,
    /// Variables every later step's command gets (see [`Steps::set_env`]).
    env: Vec<(String, String)>,
}

/// Test counts a runner printed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
}

impl Steps {
    pub fn new(root: &Path) -> Self {
        let scratch_base = scratch_base();
        remove_stale_scratch(&scratch_base);
        Self {
            root: root.to_path_buf(),
            scratch_base,
            passed: 0,
            failed: 0,
            failures: Vec::new(),
            started: Instant::now(),
            env: Vec::new(),
        }
    }

    /// Gives every later step's command the variable `name` (what an earlier step built, say).
    pub fn set_env(&mut self, name: &str, value: &str) {
        self.env.push((name.to_string(), value.to_string()));
    }

    /// A step that passes or fails as a whole (formatting, lints, builds). Counts as one.
    pub fn check(&mut self, name: &str, program: &str, args: &[&str]) -> bool {
        let (ok, _) = self.run(name, program, args);
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            self.failures.push(name.to_string());
        }
        ok
    }

    /// A step made of several commands run in order, stopping at the first that fails.
    /// Counts as one.
    pub fn check_all(&mut self, name: &str, commands: &[(&str, Vec<String>)]) -> bool {
        let ok = commands.iter().all(|(program, args)| {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            self.run(name, program, &args).0
        });
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            self.failures.push(name.to_string());
        }
        ok
    }

    /// Like [`Steps::check_all`] for several lists of commands that do not depend on one
    /// another, run side by side, one per core: for tools that use a single core each (npm's
    /// wasm-opt is WebAssembly run by node). Each list runs in order and stops at its first
    /// failure; no new list starts after one failed. Counts as one.
    pub fn check_all_parallel(&mut self, name: &str, jobs: &[Vec<(&str, Vec<String>)>]) -> bool {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let this = &*self;
        std::thread::scope(|scope| {
            for _ in 0..workers.min(jobs.len()) {
                scope.spawn(|| {
                    while !failed.load(Ordering::SeqCst) {
                        let Some(job) = jobs.get(next.fetch_add(1, Ordering::SeqCst)) else {
                            break;
                        };
                        let ok = job.iter().all(|(program, args)| {
                            let args: Vec<&str> = args.iter().map(String::as_str).collect();
                            this.run(name, program, &args).0
                        });
                        if !ok {
                            failed.store(true, Ordering::SeqCst);
                        }
                    }
                });
            }
        });
        let ok = !failed.into_inner();
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            self.failures.push(name.to_string());
        }
        ok
    }

    /// A step that runs tests: each test the runner reports counts. A runner that fails
    /// without reporting a failed test (it did not compile, say) counts as one failure.
    pub fn tests(&mut self, name: &str, program: &str, args: &[&str]) -> bool {
        let (ok, output) = self.run(name, program, args);
        let counts = parse_counts(&output);
        self.passed += counts.passed;
        self.failed += counts.failed;
        if !ok && counts.failed == 0 {
            self.failed += 1;
        }
        if !ok {
            self.failures.push(name.to_string());
        }
        if ok && counts.passed == 0 {
            // A test step that ran nothing proves nothing: treat it as a failure.
            self.failed += 1;
            self.failures.push(format!("{name} (ran no tests)"));
            return false;
        }
        ok
    }

    /// A step done in this process that passed, and what it found.
    pub fn passed(&mut self, name: &str, what: &str) {
        println!("\n==> {name}: ok: {what}");
        self.passed += 1;
    }

    /// A step done in this process that failed, and why.
    pub fn failed(&mut self, name: &str, why: &str) {
        println!("\n==> {name}: FAILED: {why}");
        self.failed += 1;
        self.failures.push(format!("{name} ({why})"));
    }

    /// A step that could not run because an earlier one failed.
    pub fn skipped(&mut self, name: &str, why: &str) {
        println!("\n==> {name}: skipped, because {why}");
        self.failed += 1;
        self.failures.push(format!("{name} (skipped: {why})"));
    }

    /// Prints the closing summary and fails if anything failed.
    pub fn finish(self) -> Result<(), String> {
        let seconds = self.started.elapsed().as_secs();
        println!();
        if !self.failures.is_empty() {
            println!("failed steps:");
            for failure in &self.failures {
                println!("  - {failure}");
            }
        }
        println!("xtask took {seconds} s");
        println!("{} passed, {} failed", self.passed, self.failed);
        if self.failed == 0 {
            Ok(())
        } else {
            Err(format!("{} failed", self.failed))
        }
    }

    fn run(&self, name: &str, program: &str, args: &[&str]) -> (bool, String) {
        println!("\n==> {name}: {program} {}", args.join(" "));
        let started = Instant::now();
        let (ok, output) = match self.make_scratch() {
            Ok(scratch) => {
                let result = self.run_in_scratch(scratch.path(), program, args);
                remove_scratch(scratch);
                result
            }
            Err(error) => {
                println!(
                    "could not make a scratch folder in {}: {error}",
                    self.scratch_base.display()
                );
                (false, String::new())
            }
        };
        let verdict = if ok { "ok" } else { "FAILED" };
        println!(
            "==> {name}: {verdict} in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        (ok, output)
    }

    /// A new, empty scratch folder for one step. Its name is random, so two xtask commands at
    /// once (a `dist` during a `test`) never share or delete each other's browser profiles.
    fn make_scratch(&self) -> std::io::Result<TempDir> {
        tempfile::Builder::new()
            .prefix(&format!("{SCRATCH_PREFIX}{}-", std::process::id()))
            .tempdir_in(&self.scratch_base)
    }

    fn run_in_scratch(&self, scratch: &Path, program: &str, args: &[&str]) -> (bool, String) {
        let child = Command::new(program)
            .current_dir(&self.root)
            .env("TMPDIR", scratch)
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(error) => {
                println!("could not start {program}: {error}");
                return (false, String::new());
            }
        };
        let (sender, receiver) = mpsc::channel::<String>();
        let readers: Vec<_> = [
            child
                .stdout
                .take()
                .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        .map(|pipe| {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    println!("{line}");
                    if sender.send(line).is_err() {
                        break;
                    }
                }
            })
        })
        .collect();
        drop(sender);
        let mut output = String::new();
        for line in receiver {
            output.push_str(&line);
            output.push('\n');
        }
        for reader in readers {
            let _ = reader.join();
        }
        let ok = child.wait().is_ok_and(|status| status.success());
        (ok, output)
    }
}

/// The folder scratch folders are made in: `/tmp`, short on every Unix whatever `TMPDIR` the
/// xtask itself was given (which may be as deep as the checkout); elsewhere the system's
/// temporary folder.
fn scratch_base() -> PathBuf {
    let tmp = Path::new("/tmp");
    if cfg!(unix) && tmp.is_dir() {
        tmp.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// Removes a step's scratch folder and everything the step left in it.
fn remove_scratch(scratch: TempDir) {
    let path = scratch.path().to_path_buf();
    if let Err(error) = scratch.close() {
        println!(
            "xtask: could not remove the scratch folder {}: {error}",
            path.display()
        );
    }
}

/// Removes the scratch folders in `base` of xtask processes that no longer run (one killed
/// mid-step by Ctrl+C cannot remove its own). Where there is no `/proc` to tell whether a
/// process runs, nothing is removed. A folder that cannot be removed (another user's) is
/// left alone.
fn remove_stale_scratch(base: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name
            .to_str()
            .and_then(|name| name.strip_prefix(SCRATCH_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        let Some(pid) = pid else {
            continue;
        };
        if !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Adds up the counts of every summary line cargo test, wasm-bindgen-test-runner and
/// `node --test` print.
pub fn parse_counts(output: &str) -> Counts {
    let mut counts = Counts::default();
    for line in output.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("test result: ") {
            counts.passed += number_before(rest, " passed");
            counts.failed += number_before(rest, " failed");
        } else if let Some(rest) = line
            .strip_prefix("ℹ pass ")
            .or_else(|| line.strip_prefix("# pass "))
        {
            counts.passed += rest.trim().parse::<u64>().unwrap_or(0);
        } else if let Some(rest) = line
            .strip_prefix("ℹ fail ")
            .or_else(|| line.strip_prefix("# fail "))
        {
            counts.failed += rest.trim().parse::<u64>().unwrap_or(0);
        }
    }
    counts
}

/// The number just before `marker` in `text`, e.g. `12` in `ok. 12 passed; 0 failed`.
fn number_before(text: &str, marker: &str) -> u64 {
    let Some(end) = text.find(marker) else {
        return 0;
    };
    let digits: String = text[..end]
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The longest path a Unix socket may have, in bytes (`sun_path` holds 108 with the final NUL).
    const SOCKET_PATH_BYTES_MAX: usize = 107;

    /// Where under `TMPDIR` Chromium puts its singleton socket; `XXXXXX` is six random characters.
    const CHROMIUM_SOCKET_UNDER_TMPDIR: &str = "org.chromium.Chromium.XXXXXX/SingletonSocket";

    #[test]
    fn cargo_and_node_summaries_are_added_up() {
        let output = "\
test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
test result: FAILED. 3 passed; 2 failed; 0 ignored
ℹ tests 4
ℹ pass 4
ℹ fail 0
";
        assert_eq!(
            parse_counts(output),
            Counts {
                passed: 19,
                failed: 2
            }
        );
    }

    #[test]
    fn a_step_gets_its_own_temporary_folder_and_it_is_gone_afterwards() {
        let root = tempfile::tempdir().unwrap();
        let mut steps = Steps::new(root.path());
        let ok = steps.check(
            "leaves a browser profile behind",
            "sh",
            &[
                "-c",
                "mkdir \"$TMPDIR/profile\" && printf %s \"$TMPDIR\" > tmpdir.txt",
            ],
        );
        assert!(ok);
        let seen = PathBuf::from(std::fs::read_to_string(root.path().join("tmpdir.txt")).unwrap());
        assert_eq!(seen.parent(), Some(scratch_base().as_path()));
        let name = seen.file_name().unwrap().to_str().unwrap();
        assert!(
            name.starts_with(&format!("{SCRATCH_PREFIX}{}-", std::process::id())),
            "the scratch folder {name} does not name its xtask process"
        );
        assert!(!seen.exists(), "the step's scratch folder was left behind");
    }

    #[test]
    fn two_steps_never_share_a_temporary_folder() {
        let root = tempfile::tempdir().unwrap();
        let mut steps = Steps::new(root.path());
        for file in ["first.txt", "second.txt"] {
            let script = format!("printf %s \"$TMPDIR\" > {file}");
            assert!(steps.check("says where its TMPDIR is", "sh", &["-c", &script]));
        }
        let first = std::fs::read_to_string(root.path().join("first.txt")).unwrap();
        let second = std::fs::read_to_string(root.path().join("second.txt")).unwrap();
        assert_ne!(first, second);
    }

    #[test]
    fn a_scratch_folder_left_by_an_xtask_that_no_longer_runs_is_removed() {
        // No process has the id u32::MAX (Linux ids stop at 2^22).
        let stale = scratch_base().join(format!("{SCRATCH_PREFIX}{}-stale", u32::MAX));
        std::fs::create_dir_all(stale.join("org.chromium.Chromium.abcdef")).unwrap();
        let mine = tempfile::Builder::new()
            .prefix(&format!("{SCRATCH_PREFIX}{}-", std::process::id()))
            .tempdir_in(scratch_base())
            .unwrap();
        let root = tempfile::tempdir().unwrap();
        let _steps = Steps::new(root.path());
        if Path::new("/proc/self").exists() {
            assert!(!stale.exists(), "{} was left behind", stale.display());
        }
        assert!(mine.path().exists(), "a running xtask's folder was removed");
        let _ = std::fs::remove_dir_all(&stale);
    }

    /// Chromium makes `$TMPDIR/org.chromium.Chromium.XXXXXX/SingletonSocket`, and a Unix
    /// socket's path may not pass 107 bytes; with the scratch folder inside a checkout this
    /// deep, every browser test failed ("Socket path too long").
    #[test]
    fn a_step_s_temporary_folder_leaves_room_for_chromium_s_socket_however_deep_the_checkout() {
        let outer = tempfile::tempdir().unwrap();
        let mut root = outer.path().to_path_buf();
        while root.as_os_str().len() <= 100 {
            root.push("a-checkout-folder-nested-deep");
        }
        std::fs::create_dir_all(&root).unwrap();
        let mut steps = Steps::new(&root);
        assert!(steps.check(
            "says where its TMPDIR is",
            "sh",
            &["-c", "printf %s \"$TMPDIR\" > tmpdir.txt"],
        ));
        let scratch = PathBuf::from(std::fs::read_to_string(root.join("tmpdir.txt")).unwrap());
        let socket = scratch.join(CHROMIUM_SOCKET_UNDER_TMPDIR);
        assert!(
            socket.as_os_str().len() <= SOCKET_PATH_BYTES_MAX,
            "from a checkout {} bytes deep, Chromium's socket would be {} ({} bytes, more than \
             {SOCKET_PATH_BYTES_MAX})",
            root.as_os_str().len(),
            socket.display(),
            socket.as_os_str().len()
        );

        // Where Chromium is installed, start it for real with the step's TMPDIR: it aborts
        // when its socket path is too long.
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        if !Path::new(&chromium).exists() {
            println!("{chromium} is not installed: checked the socket path's length only");
            return;
        }
        let started = steps.check(
            "headless Chromium from a deep checkout",
            &chromium,
            &[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--dump-dom",
                "about:blank",
            ],
        );
        assert!(
            started,
            "headless Chromium failed with a step's TMPDIR, from a checkout {} bytes deep",
            root.as_os_str().len()
        );
    }

    #[test]
    fn output_without_a_summary_counts_nothing() {
        assert_eq!(
            parse_counts("error[E0425]: cannot find value"),
            Counts::default()
        );
    }
}
