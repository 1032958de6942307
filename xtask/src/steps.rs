//! Runs check and test steps one after another, echoing their output, counting the tests each
//! runner reports, and closing with one `N passed, M failed` line.
//!
//! Every step runs with `TMPDIR` pointed at a scratch folder under `target/xtask-tmp/` (one per
//! xtask process) that is emptied when the step ends. Chromium and ChromeDriver make a profile
//! folder of about 80 MB in the temporary folder for each browser they start, and
//! wasm-bindgen-test-runner does not remove it when it stops the browser: left in `/tmp`, a few
//! hundred test runs filled the disk.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

/// The running tally of a `cargo xtask` invocation.
pub struct Steps {
    root: PathBuf,
    scratch: PathBuf,
    passed: u64,
    failed: u64,
    failures: Vec<String>,
    started: Instant,
}

/// Test counts a runner printed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
}

impl Steps {
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_path_buf(),
            // One folder per xtask process, so two commands at once (a `dist` during a
            // `test`) do not delete each other's browser profiles.
            scratch: root
                .join("target")
                .join("xtask-tmp")
                .join(std::process::id().to_string()),
            passed: 0,
            failed: 0,
            failures: Vec::new(),
            started: Instant::now(),
        }
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
        let (ok, output) = self.run_in_scratch(program, args);
        remove_scratch(&self.scratch);
        let verdict = if ok { "ok" } else { "FAILED" };
        println!(
            "==> {name}: {verdict} in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        (ok, output)
    }

    fn run_in_scratch(&self, program: &str, args: &[&str]) -> (bool, String) {
        remove_scratch(&self.scratch);
        if let Err(error) = std::fs::create_dir_all(&self.scratch) {
            println!(
                "could not make the scratch folder {}: {error}",
                self.scratch.display()
            );
            return (false, String::new());
        }
        let child = Command::new(program)
            .current_dir(&self.root)
            .env("TMPDIR", &self.scratch)
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

/// Empties a step's scratch folder; a folder that is not there is already empty.
fn remove_scratch(scratch: &Path) {
    match std::fs::remove_dir_all(scratch) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => println!(
            "xtask: could not remove the scratch folder {}: {error}",
            scratch.display()
        ),
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
        let root = std::env::temp_dir().join(format!("xtask-steps-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let mut steps = Steps::new(&root);
        let ok = steps.check(
            "leaves a browser profile behind",
            "sh",
            &[
                "-c",
                "mkdir \"$TMPDIR/profile\" && printf %s \"$TMPDIR\" > tmpdir.txt",
            ],
        );
        assert!(ok);
        let seen = std::fs::read_to_string(root.join("tmpdir.txt")).unwrap();
        let scratch = root
            .join("target")
            .join("xtask-tmp")
            .join(std::process::id().to_string());
        assert_eq!(Path::new(&seen), scratch);
        assert!(
            !scratch.exists(),
            "the step's scratch folder was left behind"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn output_without_a_summary_counts_nothing() {
        assert_eq!(
            parse_counts("error[E0425]: cannot find value"),
            Counts::default()
        );
    }
}
