//! `dual_model --cmd`, through the real binary, with the scripted models in
//! `models/`: votes, abstentions, process groups and the JSON log.
#![cfg(unix)]

mod common;
use ch04_bft::llm::real::json;

use std::time::{Duration, Instant};

use common::{dual_model, model, scratch, stderr, vote};

#[test]
fn a_majority_accepts_and_prints_the_answer() {
    let args = ["--prompt", "17 + 25", "--wait-all"];
    let output = vote(&["alpha", "beta", "gamma"], &args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(output.stdout, b"42\n");
    let report = stderr(&output);
    assert!(report.contains("group 1: 3 vote(s) (call 1, 2, 3)"), "{report}");
    assert!(
        report
            .contains("decision: accepted group 1 with 3 vote(s) of 3 call(s)"),
        "{report}"
    );
    // 7 + 0 is hard for alpha and beta: they agree on 8 and outvote gamma.
    let wrong =
        vote(&["alpha", "beta", "gamma"], &["--prompt", "7 + 0", "--quiet"]);
    assert_eq!(
        (wrong.status.code(), &wrong.stdout[..]),
        (Some(0), &b"8\n"[..])
    );
    assert!(wrong.stderr.is_empty(), "--quiet");
}

#[test]
fn no_quorum_means_exit_3_and_nothing_on_stdout() {
    // alpha says 8, gamma says 7, crashy abstains: 1, 1 and 0 votes of 3.
    let output = vote(&["alpha", "gamma", "crashy"], &["--prompt", "7 + 0"]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    let report = stderr(&output);
    assert!(report.contains("exit status 7"), "{report}");
    assert!(
        report.contains("stderr: error: MODEL_API_KEY is not set"),
        "{report}"
    );
    assert!(
        report.contains("decision: rejected: no answer has 2 votes"),
        "{report}"
    );
    // Unanimity of alpha and gamma on an easy prompt, and on a hard one.
    let all =
        vote(&["alpha", "gamma"], &["--prompt", "1 + 1", "--quorum", "all"]);
    assert_eq!(all.status.code(), Some(0));
    let split =
        vote(&["alpha", "gamma"], &["--prompt", "7 + 0", "--quorum", "all"]);
    assert_eq!(split.status.code(), Some(3));
}

#[test]
fn every_kind_of_abstention_still_counts_as_a_voter() {
    let prompt = ["--prompt", "1 + 1", "--timeout", "0.5"];
    // Timed out: 1 of 2 is not a strict majority, so no quorum.
    let slow = vote(&["alpha", "sleepy"], &prompt);
    assert_eq!(slow.status.code(), Some(3));
    assert!(stderr(&slow).contains("timed out"), "{}", stderr(&slow));
    // Exit status, output size and the check.
    let crash = vote(&["alpha", "crashy"], &prompt);
    assert_eq!(crash.status.code(), Some(3));
    let big = vote(
        &["alpha", "alpha"],
        &[&prompt[..], &["--max-output", "1"]].concat(),
    );
    assert_eq!(big.status.code(), Some(3));
    assert!(stderr(&big).contains("over the output limit"), "{}", stderr(&big));
    let at_limit = vote(
        &["alpha", "alpha"],
        &[&prompt[..], &["--max-output", "2"]].concat(),
    );
    assert_eq!(at_limit.status.code(), Some(0), "'2\\n' is two bytes");
    let check = ["--check", "grep -qx 3 \"$ANSWER_FILE\""];
    let failed =
        vote(&["alpha", "beta", "gamma"], &[&prompt[..], &check].concat());
    assert_eq!(failed.status.code(), Some(3));
    assert!(
        stderr(&failed).contains("failed the check: no votes"),
        "{}",
        stderr(&failed)
    );
    let passed = ["--check", "test \"$(cat)\" = 2"];
    let ok =
        vote(&["alpha", "beta", "gamma"], &[&prompt[..], &passed].concat());
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stderr(&ok).contains("passed the check"));
}

#[test]
fn compare_code_reads_the_first_fenced_block() {
    // chatty wraps "2" in prose and a fence; alpha prints a bare "2".
    let prompt = ["--prompt", "1 + 1"];
    let trimmed = vote(&["alpha", "chatty"], &prompt);
    assert_eq!(trimmed.status.code(), Some(3), "trim sees two answers");
    let code = [&prompt[..], &["--compare", "code"]].concat();
    let agreed = vote(&["alpha", "chatty"], &code);
    assert_eq!(agreed.status.code(), Some(0), "{}", stderr(&agreed));
    assert_eq!(agreed.stdout, b"2\n", "the first agreeing call, as printed");
    let chatty_first = vote(&["chatty", "alpha"], &code);
    assert!(chatty_first.stdout.starts_with(b"Here is the result:\n```\n2\n"));
}

#[test]
fn the_checks_temporary_files_are_removed() {
    // With TMPDIR pointing at an empty folder, a vote with --check leaves it
    // empty again, whether the check passes or fails.
    let dir = scratch("tmpdir");
    for check in ["test -s \"$ANSWER_FILE\"", "false"] {
        let output =
            dual_model(&["--cmd", &model("alpha"), "--prompt", "1 + 1"])
                .args(["--check", check])
                .env("TMPDIR", &dir)
                .output()
                .unwrap();
        assert!(
            matches!(output.status.code(), Some(0 | 3)),
            "{}",
            stderr(&output)
        );
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_timed_out_group_is_stopped_children_included() {
    let dir = scratch("sleepy");
    let pid_file = dir.join("pid");
    let start = Instant::now();
    let output = dual_model(&[
        "--cmd",
        &model("sleepy"),
        "--prompt",
        "x",
        "--timeout",
        "1",
    ])
    .env("SLEEPY_PID_FILE", &pid_file)
    .output()
    .unwrap();
    let elapsed = start.elapsed();
    assert_eq!(output.status.code(), Some(3));
    assert!(elapsed < Duration::from_secs(2), "the vote took {elapsed:?}");
    let pid = std::fs::read_to_string(&pid_file).unwrap().trim().to_string();
    assert!(!pid.is_empty());
    // The child kept stdout open; it must be gone (a zombie, at most, for a
    // moment, until init reaps it).
    let gone = (0..100).any(|_| {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat"));
        let dead = state.map_or(true, |s| {
            s.split(") ").nth(1).is_some_and(|r| r.starts_with('Z'))
        });
        if !dead {
            std::thread::sleep(Duration::from_millis(20));
        }
        dead
    });
    assert!(gone, "process {pid} of the timed-out group still runs");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_prompt_full_of_shell_syntax_executes_nothing() {
    let dir = scratch("syntax");
    let marker = |n: u32| dir.join(format!("ran-{n}"));
    let prompt = format!(
        "$(touch {}) `touch {}` \"; touch {}\" '; touch {}' && touch {} | $HOME\n",
        marker(1).display(),
        marker(2).display(),
        marker(3).display(),
        marker(4).display(),
        marker(5).display()
    );
    let prompt_file = dir.join("prompt");
    std::fs::write(&prompt_file, &prompt).unwrap();
    for source in [
        ["--prompt-file", prompt_file.to_str().unwrap()],
        ["--prompt", prompt.trim_end()],
    ] {
        let output =
            dual_model(&["--cmd", "cat", "--cmd", "cat", "--compare", "exact"])
                .args(source)
                .output()
                .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            prompt,
            "the prompt, untouched"
        );
    }
    for n in 1..=5 {
        assert!(!marker(n).exists(), "the prompt ran code ({n})");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn strange_output_never_breaks_the_program() {
    let dir = scratch("strange");
    let log = dir.join("log.jsonl");
    let noise =
        "printf '\\033[2J\\000\\377\\r\\n\"\\\\'; head -c 200000 /dev/urandom";
    let output =
        dual_model(&["--cmd", noise, "--prompt", "x", "--compare", "exact"])
            .args(["--log", log.to_str().unwrap()])
            .output()
            .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(output.stdout.starts_with(b"\x1b[2J\x00\xff\r\n\"\\"));
    assert_eq!(output.stdout.len(), 10 + 200_000);
    let report = stderr(&output);
    assert!(!report.contains('\u{1b}') && !report.contains('\r'), "{report:?}");
    let line = std::fs::read_to_string(&log).unwrap();
    let json = json::parse(line.trim_end()).expect("the log is JSON");
    let call = &json.get("calls").unwrap().items()[0];
    assert_eq!(call.get("output_is_utf8"), Some(&json::Value::Bool(false)));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_log_holds_one_json_object_per_vote() {
    use json::Value::{Null, Number, Str};
    let dir = scratch("log");
    let log = dir.join("votes.jsonl");
    let log_arg = log.to_str().unwrap();
    for prompt in ["7 + 0", "1 + 1"] {
        vote(
            &["alpha", "gamma", "crashy"],
            &["--prompt", prompt, "--log", log_arg, "--quiet"],
        );
    }
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    let first = json::parse(lines[0]).expect("JSON");
    assert_eq!(first.get("decision"), Some(&Str("rejected".into())));
    assert_eq!(first.get("group"), Some(&Null));
    assert_eq!(first.get("quorum"), Some(&Number(2.0)));
    assert_eq!(first.get("voters"), Some(&Number(3.0)));
    let calls = first.get("calls").unwrap().items();
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[0].get("command"), Some(&Str(model("alpha"))));
    assert_eq!(calls[0].get("output"), Some(&Str("8\n".into())));
    assert_eq!(calls[0].get("group"), Some(&Number(1.0)));
    assert_eq!(calls[1].get("output"), Some(&Str("7\n".into())));
    assert_eq!(calls[2].get("status"), Some(&Str("exit status 7".into())));
    assert_eq!(calls[2].get("exit_code"), Some(&Number(7.0)));
    assert_eq!(calls[2].get("group"), Some(&Null));
    let second = json::parse(lines[1]).expect("JSON");
    assert_eq!(second.get("decision"), Some(&Str("accepted".into())));
    assert_eq!(second.get("group"), Some(&Number(1.0)));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_to_the_new_flags_is_one_line_and_exit_2() {
    let a = model("alpha");
    let cases: Vec<Vec<&str>> = vec![
        vec!["--cmd", &a],
        vec!["--prompt", "1 + 1"],
        vec!["--cmd", &a, "--cmd", &a, "--prompt", "x", "--quorum", "1"],
        vec![
            "--cmd", &a, "--cmd", &a, "--cmd", &a, "--cmd", &a, "--prompt",
            "x", "--quorum", "2",
        ],
        vec!["--cmd", &a, "--prompt", "x", "--quorum", "2"],
        vec!["--cmd", &a, "--prompt", "x", "--quorum", "most"],
        vec!["--cmd", &a, "--prompt", "x", "--timeout", "0"],
        vec!["--cmd", &a, "--prompt", "x", "--timeout", "NaN"],
        vec!["--cmd", &a, "--prompt", "x", "--compare", "fuzzy"],
        vec!["--cmd", &a, "--prompt", "x", "--max-output", "0"],
        vec!["--cmd", &a, "--prompt-file", "/no/such/file"],
        vec!["--cmd", &a, "--prompt", "x", "--prompt-file", "/etc/hostname"],
        vec!["--cmd", &a, "--prompt", "x", "--jobs", "2"],
        vec!["--cmd", &a, "--prompt", "x", "--tasks", "5"],
        vec!["--cmd", &a, "--prompt", "x", "--log", "/no/such/dir/log"],
        vec!["--cmd", "  ", "--prompt", "x"],
        vec!["--cmd", &a, "--prompt", "x", "--check", ""],
        vec!["--cmd", &a, "--prompt", "x", "--quiet=yes"],
        vec!["--cmd", &a, "--tasks-file", "/no/such/file"],
    ];
    for args in &cases {
        let output = dual_model(args).output().unwrap();
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_eq!(message.lines().count(), 1, "{args:?}: {message}");
    }
    let many: Vec<&str> = (0..16).flat_map(|_| ["--cmd", "true"]).collect();
    let output =
        dual_model(&[&many[..], &["--prompt", "x"]].concat()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("at most 15"));
}
