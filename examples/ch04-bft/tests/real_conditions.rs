//! `dual_model --cmd` under the conditions real models bring, through the
//! real binary: a crowded machine (file limits, no temporary folder), signals
//! mid-run, logs shared by many runs, a model's stderr, a stray child, and a
//! terminal (resuming is in `resume.rs`). Scripted commands append a line to a counter file on every call,
//! so a test knows how many calls ran.
#![cfg(unix)]

mod common;

use std::fs;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ch04_bft::llm::real::json;
use common::{
    calls_in, counted, dual_model, processes_in_groups, run, scratch,
    spawn_quiet, stderr, sums, wait_for, with_cmds,
};

/// Runs `dual_model` under `ulimit -n files`.
fn with_file_limit(files: u32, args: &[String]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n {files} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_dual_model"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_file_limit_changes_nothing_but_the_pace() {
    let dir = scratch("file-limit");
    let tasks = sums(&dir, 150);
    let add = "read a op b; echo $((a + b))";
    let report = |counter: &str, limit: Option<u32>| {
        let counter = dir.join(counter);
        let commands: Vec<String> =
            (0..3).map(|_| counted(&counter, add)).collect();
        let args = with_cmds(
            &commands,
            &["--tasks-file", tasks.to_str().unwrap(), "--jobs", "64"],
        );
        let output =
            limit.map_or_else(|| run(&args), |n| with_file_limit(n, &args));
        (output, calls_in(&counter))
    };
    let (free, free_calls) = report("free", None);
    let (limited, limited_calls) = report("limited", Some(40));
    assert_eq!(free.status.code(), Some(0), "{}", stderr(&free));
    assert_eq!(limited.status.code(), Some(0), "{}", stderr(&limited));
    assert_eq!(free.stdout, limited.stdout, "the same report");
    // Every call ran once: a refused attempt never starts the command.
    assert_eq!((free_calls, limited_calls), (450, 450));
    assert!(
        String::from_utf8_lossy(&free.stdout)
            .contains("  M1        150      0          0")
    );
    // With too few files for even one call, nothing is measured: exit 1, a
    // line that says why, no report, and no command ran.
    let (hopeless, calls) = report("hopeless", Some(9));
    assert_eq!(hopeless.status.code(), Some(1));
    assert!(hopeless.stdout.is_empty());
    let message = stderr(&hopeless);
    assert!(message.contains("Too many open files"), "{message}");
    assert_eq!((message.lines().count(), calls), (1, 0), "{message}");
    // A vote that cannot run its calls is undecided, not rejected.
    let counter = dir.join("vote");
    let commands: Vec<String> =
        (0..3).map(|_| counted(&counter, "echo 1")).collect();
    let vote = with_file_limit(9, &with_cmds(&commands, &["--prompt", "x"]));
    assert_eq!(vote.status.code(), Some(1), "{}", stderr(&vote));
    assert!(
        stderr(&vote).contains("not run: Too many open files"),
        "{}",
        stderr(&vote)
    );
    assert!(stderr(&vote).contains("the vote is undecided"));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unusable_temporary_folder_is_an_error_before_any_call() {
    let dir = scratch("no-tmpdir");
    let counter = dir.join("calls");
    let command = counted(&counter, "echo 1");
    let tasks = sums(&dir, 3);
    for job in
        [vec!["--prompt", "x"], vec!["--tasks-file", tasks.to_str().unwrap()]]
    {
        let args = with_cmds(
            std::slice::from_ref(&command),
            &[&job[..], &["--check", "true"]].concat(),
        );
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = dual_model(&args)
            .env("TMPDIR", "/nonexistent/tmp")
            .output()
            .unwrap();
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{message}");
        assert!(output.stdout.is_empty());
        assert_eq!(message.lines().count(), 1, "{message}");
        assert!(message.contains("/nonexistent/tmp (TMPDIR)"), "{message}");
    }
    assert_eq!(calls_in(&counter), 0);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_signal_to_dual_model_stops_every_command_within_a_second() {
    let dir = scratch("signals");
    let tasks = sums(&dir, 50);
    for signal in ["INT", "TERM", "KILL"] {
        for job in ["vote", "evaluation"] {
            let groups = dir.join(format!("groups-{signal}-{job}"));
            // Each call writes its group (the id of its `sh`), starts a child
            // and a grandchild, and sleeps.
            let slow = format!(
                "echo $$ >> '{}'; sh -c 'sleep 30' & sleep 31 & sleep 32",
                groups.display()
            );
            let source = match job {
                "vote" => vec!["--prompt", "x"],
                _ => {
                    vec!["--tasks-file", tasks.to_str().unwrap(), "--jobs", "2"]
                }
            };
            let args = with_cmds(&[slow.clone(), slow.clone(), slow], &source);
            let mut child = spawn_quiet(&args);
            let expected = if job == "vote" { 3 } else { 6 };
            assert!(
                wait_for(Duration::from_secs(10), || calls_in(&groups)
                    >= expected),
                "{signal} {job}: the calls did not start"
            );
            let ids: Vec<u32> = fs::read_to_string(&groups)
                .unwrap()
                .lines()
                .map(|l| l.parse().unwrap())
                .collect();
            assert!(!processes_in_groups(&ids).is_empty());
            let sent = Command::new("kill")
                .args(["-s", signal, &child.id().to_string()])
                .status()
                .unwrap();
            assert!(sent.success());
            let status = child.wait().unwrap();
            assert!(!status.success(), "{signal} {job}: {status}");
            let start = Instant::now();
            assert!(
                wait_for(Duration::from_secs(1), || processes_in_groups(&ids)
                    .is_empty()),
                "{signal} {job}: processes {:?} of groups {ids:?} still run after {:?}",
                processes_in_groups(&ids),
                start.elapsed()
            );
        }
    }
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_killed_run_leaves_no_temporary_file() {
    let dir = scratch("killed-check");
    let tmp = dir.join("tmp");
    fs::create_dir(&tmp).unwrap();
    let started = dir.join("started");
    let check = format!("echo x >> '{}'; sleep 30", started.display());
    let mut child =
        dual_model(&["--cmd", "echo 1", "--prompt", "x", "--check", &check])
            .env("TMPDIR", &tmp)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
    assert!(wait_for(Duration::from_secs(10), || calls_in(&started) == 1));
    assert_eq!(fs::read_dir(&tmp).unwrap().count(), 1, "the run's folder");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        wait_for(Duration::from_secs(1), || fs::read_dir(&tmp)
            .unwrap()
            .count()
            == 0),
        "left in TMPDIR: {:?}",
        fs::read_dir(&tmp).unwrap().collect::<Vec<_>>()
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn forty_votes_at_once_write_forty_whole_lines_to_one_log() {
    let dir = scratch("forty");
    let log = dir.join("votes.jsonl");
    // Answers of 6,000 bytes make each line longer than a pipe's atomic
    // write, and longer than one write of a JSON text and its newline.
    let big = "head -c 6000 /dev/zero | tr '\\0' a";
    let mut runs: Vec<_> = (0..40)
        .map(|_| {
            dual_model(&[
                "--cmd", big, "--cmd", big, "--prompt", "x", "--quiet",
            ])
            .args(["--log", log.to_str().unwrap()])
            .stdout(Stdio::null())
            .spawn()
            .unwrap()
        })
        .collect();
    for run in &mut runs {
        assert!(run.wait().unwrap().success());
    }
    let text = fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 40);
    for line in text.lines() {
        let vote = json::parse(line).expect("a whole JSON line");
        assert_eq!(
            vote.get("decision").and_then(json::Value::as_str),
            Some("accepted")
        );
    }
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_call_says_why_from_its_stderr() {
    let dir = scratch("stderr");
    let log = dir.join("log.jsonl");
    let failing = "echo 'loading...' >&2; echo 'error: OPENAI_API_KEY is not set' >&2; exit 1";
    let output =
        dual_model(&["--cmd", "echo 1", "--cmd", failing, "--prompt", "x"])
            .args(["--log", log.to_str().unwrap()])
            .output()
            .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let report = stderr(&output);
    assert!(
        report.contains("stderr: error: OPENAI_API_KEY is not set"),
        "{report}"
    );
    assert!(
        !report.contains("stderr: loading"),
        "only the last line: {report}"
    );
    let vote =
        json::parse(fs::read_to_string(&log).unwrap().trim_end()).unwrap();
    let call = &vote.get("calls").unwrap().items()[1];
    assert_eq!(
        call.get("stderr").and_then(json::Value::as_str),
        Some("loading...\nerror: OPENAI_API_KEY is not set\n")
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_answer_printed_before_exit_counts_though_a_stray_child_holds_the_pipe() {
    // setsid takes the sleep out of the command's group, where no group
    // stop reaches it; it keeps stdout open for 20 s.
    let stray = "setsid sleep 20 & sleep 0.2; echo 5";
    let start = Instant::now();
    let output =
        dual_model(&["--cmd", stray, "--cmd", "echo 5", "--prompt", "x"])
            .output()
            .unwrap();
    assert_eq!(
        (output.status.code(), &output.stdout[..]),
        (Some(0), &b"5\n"[..]),
        "{}",
        stderr(&output)
    );
    assert!(start.elapsed() < Duration::from_secs(3), "{:?}", start.elapsed());
    let _ = Command::new("pkill").args(["-f", "^sleep 20$"]).status();
}

#[test]
fn the_progress_line_shows_on_a_terminal_and_nowhere_else() {
    let dir = scratch("progress");
    let tasks = sums(&dir, 12);
    let slow = "sleep 0.1; read a op b; echo $((a + b))";
    let line = format!(
        "'{}' --cmd '{slow}' --tasks-file '{}' --jobs 1",
        env!("CARGO_BIN_EXE_dual_model"),
        tasks.display()
    );
    // `script` gives the command a terminal and copies what it shows.
    let on_terminal = |extra: &str| {
        let output = Command::new("script")
            .args(["-qfec", &format!("{line}{extra}"), "/dev/null"])
            .stdin(Stdio::null())
            .output()
            .expect("script (util-linux) runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let shown = on_terminal("");
    assert!(shown.contains("\r\x1b[K"), "{shown:?}");
    assert!(shown.contains("/12 tasks, "), "{shown:?}");
    assert!(shown.contains("0 call(s) abstained"), "{shown:?}");
    let quiet = on_terminal(" --quiet");
    assert!(
        !quiet.contains("tasks, ") && quiet.contains("Models"),
        "{quiet:?}"
    );
    let piped = run(&with_cmds(
        &[slow.to_string()],
        &["--tasks-file", tasks.to_str().unwrap(), "--jobs", "1"],
    ));
    let message = stderr(&piped);
    assert!(
        !message.contains('\r') && !message.contains("elapsed"),
        "{message:?}"
    );
    fs::remove_dir_all(&dir).unwrap();
}
