//! `dual_model --cmd`, deciding as soon as the answer is known, through the
//! real binary: latency, the calls a cascade saves, ahead-by-k, and the
//! same decision whichever rule reads the same answers.
#![cfg(unix)]

mod common;

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{dual_model, model, models, processes_in_groups, scratch, stderr};

/// Runs `dual_model` with these commands and flags; also returns how long.
fn timed(
    commands: &[&str],
    flags: &[&str],
) -> (std::process::Output, Duration) {
    let mut args: Vec<&str> = Vec::new();
    for command in commands {
        args.extend(["--cmd", command]);
    }
    args.extend(flags);
    let start = Instant::now();
    let output = dual_model(&args).output().unwrap();
    (output, start.elapsed())
}

/// Whether any process still runs whose group id is listed in `file`.
fn groups_alive(file: &Path) -> bool {
    let groups: Vec<u32> = fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.parse().ok())
        .collect();
    !processes_in_groups(&groups).is_empty()
}

#[test]
fn a_majority_that_answers_at_once_does_not_wait_for_the_slow() {
    let dir = scratch("early-latency");
    let groups = dir.join("groups");
    let slow = format!("echo $$ >> '{}'; sleep 5; echo 42", groups.display());
    for (commands, flags) in [
        (vec!["echo 42", "echo 42", slow.as_str()], vec![]),
        (
            vec!["echo 42", slow.as_str(), "echo 42", slow.as_str(), "echo 42"],
            vec!["--quorum", "3"],
        ),
    ] {
        let (output, took) =
            timed(&commands, &[&["--prompt", "x"], &flags[..]].concat());
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(output.stdout, b"42\n");
        assert!(took < Duration::from_millis(200), "{took:?}");
        assert!(
            stderr(&output).contains("stopped: decided"),
            "{}",
            stderr(&output)
        );
        // Stopped means gone: no process of a slow call's group is left.
        let start = Instant::now();
        while groups_alive(&groups)
            && start.elapsed() < Duration::from_millis(500)
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(!groups_alive(&groups), "a slow call's group still runs");
    }
    // No answer can reach the quorum any more: rejected at once.
    let (output, took) = timed(
        &["echo 1", "echo 2", &slow],
        &["--prompt", "x", "--quorum", "all"],
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(took < Duration::from_millis(200), "{took:?}");
    // --wait-all waits, and decides the same.
    let (output, took) = timed(
        &["echo 42", "echo 42", "sleep 0.5; echo 41"],
        &["--prompt", "x", "--wait-all"],
    );
    assert_eq!(
        (output.status.code(), &output.stdout[..]),
        (Some(0), &b"42\n"[..])
    );
    assert!(took >= Duration::from_millis(500), "{took:?}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cascade_pays_for_a_third_call_only_when_the_first_two_disagree() {
    let dir = scratch("early-cascade");
    let counter = dir.join("calls");
    let answering = |answer: &str| {
        format!("echo x >> '{}'; echo {answer}", counter.display())
    };
    let calls =
        || fs::read_to_string(&counter).map_or(0, |t| t.lines().count());
    let agree = [answering("1"), answering("1"), answering("2")];
    let agree: Vec<&str> = agree.iter().map(String::as_str).collect();
    let (fixed, _) = timed(&agree, &["--prompt", "x", "--wait-all"]);
    assert_eq!(fixed.status.code(), Some(0));
    assert_eq!(calls(), 3);
    let (cascade, _) = timed(&agree, &["--prompt", "x", "--cascade"]);
    assert_eq!(
        (cascade.status.code(), &cascade.stdout[..]),
        (Some(0), &b"1\n"[..])
    );
    assert_eq!(calls(), 3 + 2, "the first two agree: two calls");
    assert!(
        stderr(&cascade).contains("cascade, quorum 2 of 3, 2 call(s) made")
    );
    let differ = [answering("1"), answering("2"), answering("2")];
    let differ: Vec<&str> = differ.iter().map(String::as_str).collect();
    let (cascade, _) = timed(&differ, &["--prompt", "x", "--cascade"]);
    assert_eq!(
        (cascade.status.code(), &cascade.stdout[..]),
        (Some(0), &b"2\n"[..])
    );
    assert_eq!(calls(), 5 + 3);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ahead_by_k_calls_in_turn_until_one_answer_leads() {
    let (output, _) = timed(
        &["echo 1", "echo 2", "echo 1"],
        &["--prompt", "x", "--ahead-by", "2", "--max-calls", "5"],
    );
    // 1, 2, 1, 1: the fourth call (the first command again) makes 3 to 1.
    assert_eq!(
        (output.status.code(), &output.stdout[..]),
        (Some(0), &b"1\n"[..])
    );
    let report = stderr(&output);
    assert!(
        report.contains("ahead by 2, at most 5 calls, 4 call(s) made"),
        "{report}"
    );
    let (split, _) =
        timed(&["echo 1", "echo 2"], &["--prompt", "x", "--ahead-by", "2"]);
    assert_eq!(
        split.status.code(),
        Some(3),
        "two calls, one each: no lead of 2"
    );
    for bad in [
        vec!["--ahead-by", "2", "--quorum", "2"],
        vec!["--ahead-by", "0"],
        vec!["--ahead-by", "3", "--max-calls", "2"],
        vec!["--ahead-by", "1", "--max-calls", "65"],
        vec!["--max-calls", "4"],
        vec!["--cascade", "--ahead-by", "1"],
        vec!["--cascade", "--wait-all"],
    ] {
        let (output, _) = timed(
            &["echo 1", "echo 1"],
            &[&["--prompt", "x"], &bad[..]].concat(),
        );
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{bad:?}: {message}");
        assert_eq!(message.lines().count(), 1, "{bad:?}: {message}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn every_rule_accepts_what_waiting_for_all_accepts_on_the_scripted_tasks() {
    let text = fs::read_to_string(models().join("tasks.tsv")).unwrap();
    let prompts: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split('\t').next())
        .take(60)
        .collect();
    let commands = [model("alpha"), model("beta"), model("gamma")];
    let commands: Vec<&str> = commands.iter().map(String::as_str).collect();
    for prompt in prompts {
        let run = |rule: &[&str]| {
            let (output, _) = timed(
                &commands,
                &[&["--prompt", prompt, "--quiet"], rule].concat(),
            );
            (output.status.code(), output.stdout)
        };
        let all = run(&["--wait-all"]);
        assert_eq!(run(&[]), all, "{prompt}: the early decision");
        assert_eq!(run(&["--cascade"]), all, "{prompt}: the cascade");
    }
}
