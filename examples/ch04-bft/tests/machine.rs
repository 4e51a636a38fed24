//! The machine is never the model, round two, through the real binary:
//! commands, checks and canons that cannot be found, a relative `TMPDIR`,
//! one log per evaluation, `--retries`, a tasks file from a pipe, a
//! stopped `dual_model`, SIGCHLD ignored, `ulimit -f`.
#![cfg(unix)]

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::Duration;

use ch04_bft::llm::real::json;
use common::{dual_model, run, scratch, stderr, sums, text, with_cmds};

#[test]
fn a_command_check_or_canon_that_cannot_be_found_stops_before_any_call() {
    let dir = scratch("findable");
    let counter = dir.join("calls");
    let model = format!("echo x >> '{}'; echo 1", counter.display());
    let cases: [(&[&str], &str); 3] = [
        (
            &["--cmd", "nosuchprogram --flag"],
            "--cmd: 'nosuchprogram' is not a command",
        ),
        (
            &["--check", "/nonexistent"],
            "--check: '/nonexistent' is not a command",
        ),
        (
            &["--canon", "no-such-canon"],
            "--canon: 'no-such-canon' is not a command",
        ),
    ];
    for (extra, message) in cases {
        let args = [&["--cmd", &model, "--prompt", "x"][..], extra].concat();
        let output = dual_model(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{extra:?}");
        assert!(output.stdout.is_empty());
        let error = stderr(&output);
        assert!(
            error.contains(message) && error.lines().count() == 1,
            "{error}"
        );
        assert!(!counter.exists(), "no call was made");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_relative_tmpdir_gives_the_check_an_absolute_answer_file() {
    let dir = scratch("relative-tmpdir");
    std::fs::create_dir(dir.join("tmp")).unwrap();
    let check = "cd / && case \"$ANSWER_FILE\" in /*) test -f \"$ANSWER_FILE\";; *) false;; esac";
    let output =
        dual_model(&["--cmd", "echo 42", "--check", check, "--prompt", "x"])
            .current_dir(&dir)
            .env("TMPDIR", "tmp")
            .output()
            .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(output.stdout, b"42\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn two_evaluations_never_write_one_log_and_a_file_that_is_not_a_log_is_left_alone()
 {
    let dir = scratch("log-alone");
    let tasks = common::sums(&dir, 4);
    let log = dir.join("run.jsonl");
    let slow = "sleep 0.3; read a op b; echo $((a + b))".to_string();
    let args = |log: &Path| {
        with_cmds(
            std::slice::from_ref(&slow),
            &[
                "--tasks-file",
                tasks.to_str().unwrap(),
                "--jobs",
                "1",
                "--log",
                log.to_str().unwrap(),
            ],
        )
    };
    let mut first = common::spawn_quiet(&args(&log));
    assert!(
        common::wait_for(std::time::Duration::from_secs(5), || log.exists())
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    let second = run(&args(&log));
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("is in use by another evaluation"),
        "{}",
        stderr(&second)
    );
    assert!(first.wait().unwrap().success());
    let lines = std::fs::read_to_string(&log).unwrap();
    assert_eq!(lines.lines().count(), 4, "the first run's four tasks, alone");
    // A file of notes is not a log: refused, fresh or resumed, and untouched.
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "my notes\n").unwrap();
    for resume in [false, true] {
        let mut given = args(&notes);
        if resume {
            given.push("--resume".into());
        }
        let output = run(&given);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stderr(&output).contains("no record"), "{}", stderr(&output));
        assert_eq!(std::fs::read_to_string(&notes).unwrap(), "my notes\n");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A command that fails twice with `HTTP 429` on stderr, then answers 42;
/// its attempts are counted in `counter`.
fn flaky(counter: &Path) -> String {
    format!(
        "n=$(cat '{0}' 2>/dev/null | wc -l); echo x >> '{0}'; \
         if [ $n -ge 2 ]; then echo 42; else echo 'HTTP 429' >&2; exit 1; fi",
        counter.display()
    )
}

#[test]
fn a_failed_call_is_retried_with_growing_pauses_and_only_the_last_attempt_votes()
 {
    let dir = scratch("retries");
    let counter = dir.join("attempts");
    let log = dir.join("vote.jsonl");
    let start = std::time::Instant::now();
    let output = dual_model(&[
        "--cmd",
        &flaky(&counter),
        "--retries",
        "2",
        "--retry-if",
        "429",
        "--timeout",
        "1",
        "--prompt",
        "x",
        "--log",
        log.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    let took = start.elapsed();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(output.stdout, b"42\n");
    assert!(
        stderr(&output).contains("key 42  after 2 failed attempt(s)"),
        "{}",
        stderr(&output)
    );
    // Two pauses, each 1 s or more but never past the 1 s timeout.
    assert!(took >= std::time::Duration::from_millis(1900), "{took:?}");
    assert!(took < std::time::Duration::from_secs(4), "{took:?}");
    let record =
        json::parse(std::fs::read_to_string(&log).unwrap().trim()).unwrap();
    let call = &record.get("calls").unwrap().items()[0];
    let retried = call.get("retried").unwrap().items();
    assert_eq!(retried.len(), 2);
    assert_eq!(text(&retried[0], "stderr"), "HTTP 429");
    assert_eq!(text(&retried[0], "status"), "exit status 1");
    // A failure that does not match --retry-if is not retried.
    std::fs::remove_file(&counter).unwrap();
    let once = dual_model(&[
        "--cmd",
        &flaky(&counter),
        "--retries",
        "2",
        "--retry-if",
        "401",
        "--prompt",
        "x",
    ])
    .output()
    .unwrap();
    assert_eq!(once.status.code(), Some(3));
    assert_eq!(std::fs::read_to_string(&counter).unwrap().lines().count(), 1);
    // A vote decided while a call waits to retry does not wait for it.
    std::fs::remove_file(&counter).unwrap();
    let start = std::time::Instant::now();
    let decided = dual_model(&[
        "--cmd",
        "echo 42",
        "--cmd",
        "echo 42",
        "--cmd",
        &flaky(&counter),
        "--retries",
        "5",
        "--prompt",
        "x",
    ])
    .output()
    .unwrap();
    assert_eq!(decided.status.code(), Some(0), "{}", stderr(&decided));
    assert!(
        start.elapsed() < std::time::Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );
    let bad =
        dual_model(&["--cmd", "cat", "--retry-if", "429", "--prompt", "x"])
            .output()
            .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--retry-if needs --retries N"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_tasks_file_from_a_pipe_is_read_once() {
    use std::io::Write;
    let mut child = dual_model(&[
        "--cmd",
        "read a op b; echo $((a + b))",
        "--tasks-file",
        "/dev/stdin",
        "--quiet",
    ])
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"1 + 1\t2\n2 + 2\t4\n2 + 3\t6\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = String::from_utf8(output.stdout).unwrap();
    assert!(
        report.starts_with("Cross-checking 1 command(s) on 3 tasks"),
        "{report}"
    );
    let row = format!("  {:<5} {:>7} {:>6} {:>10}", "b", 2, 1, 0);
    assert!(report.contains(&row), "{report}");
}

/// Sends `signal` (STOP, CONT) to process `pid` with the shell's `kill`.
fn signal(signal: &str, pid: u32) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn an_answer_that_came_while_dual_model_was_stopped_still_counts() {
    // The command answers after 0.3 s; dual_model is stopped at 0.1 s and
    // continued at 2.1 s, past the 1 s timeout. The answer came in time.
    for round in 0..3 {
        let child = dual_model(&[
            "--cmd",
            "sleep 0.3; echo 42",
            "--timeout",
            "1",
            "--prompt",
            "x",
            "--quiet",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
        sleep(Duration::from_millis(100));
        signal("STOP", child.id());
        sleep(Duration::from_secs(2));
        signal("CONT", child.id());
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0), "round {round}");
        assert_eq!(output.stdout, b"42\n", "round {round}");
    }
}

#[test]
fn children_that_cannot_be_waited_for_are_the_machines_failure() {
    // With SIGCHLD ignored (inherited through exec), the system reaps every
    // child at once and no exit status can be read: exit 1 and say why,
    // never "ended by a signal" counted against the model.
    let ignoring = |args: &[&str]| {
        Command::new("python3")
            .args([
                "-c",
                "import os, signal, sys\n\
                 signal.signal(signal.SIGCHLD, signal.SIG_IGN)\n\
                 os.execv(sys.argv[1], sys.argv[1:])",
                env!("CARGO_BIN_EXE_dual_model"),
            ])
            .args(args)
            .output()
            .expect("python3 runs")
    };
    let dir = scratch("sigchld");
    let tasks = sums(&dir, 3);
    let add = "read a op b; echo $((a + b))";
    for args in [
        vec!["--cmd", "echo 2", "--prompt", "x"],
        vec!["--cmd", add, "--tasks-file", tasks.to_str().unwrap()],
    ] {
        let output = ignoring(&args);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(output.stdout.is_empty(), "no report of rates: {args:?}");
        assert!(
            stderr(&output).contains("is SIGCHLD ignored"),
            "{}",
            stderr(&output)
        );
    }
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_file_size_limit_is_an_error_that_is_reported_not_a_silent_death() {
    // `ulimit -f 1`: 512 bytes at most per file. Without SIGXFSZ ignored,
    // the first write past it kills dual_model (exit 153, no word).
    let dir = scratch("file-size");
    let tasks = sums(&dir, 50);
    let limited = |redirect: &str, args: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -f 1 && exec \"$0\" {args} {redirect}"))
            .arg(env!("CARGO_BIN_EXE_dual_model"))
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    let report = limited("> report.txt", "--tasks 100");
    assert_eq!(report.status.code(), Some(1), "{}", stderr(&report));
    assert!(stderr(&report).contains("File too large"), "{}", stderr(&report));
    let evaluation = limited(
        "> /dev/null",
        &format!(
            "--cmd 'read a op b; echo $((a + b))' --tasks-file '{}' --log run.jsonl --quiet",
            tasks.display()
        ),
    );
    assert_eq!(evaluation.status.code(), Some(1), "{}", stderr(&evaluation));
    assert!(
        stderr(&evaluation).contains("--log: cannot write"),
        "{}",
        stderr(&evaluation)
    );
    fs::remove_dir_all(&dir).unwrap();
}
