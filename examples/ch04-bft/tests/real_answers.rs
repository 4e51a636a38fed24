//! Answers read from prose (`--answer-after`, `--compare number`,
//! `--canon`), `--name`, why a command failed (the check's reason too),
//! and a vote decided again with `--rescore`, through the real binary.
#![cfg(unix)]

mod common;

use std::path::Path;

use ch04_bft::llm::real::json;
use common::{dual_model, models, run, scratch, stderr, text, with_cmds};

/// Two scripts that answer 18 in different words, in a folder of their own.
fn two_scripts(dir: &Path) -> Vec<String> {
    let texts = [
        ("terse", "echo 'A: 18'"),
        ("chatty", "echo 'Twice 9 is $18.'; echo 'A: $18.00'"),
    ];
    texts
        .iter()
        .map(|(name, body)| {
            let file = dir.join(format!("{name}.sh"));
            std::fs::write(&file, format!("cat > /dev/null\n{body}\n"))
                .unwrap();
            format!("sh '{}'", file.display())
        })
        .collect()
}

#[test]
fn a_logged_vote_is_decided_again_another_way_with_its_commands_gone() {
    let dir = scratch("rescore-vote");
    let models = dir.join("models");
    std::fs::create_dir_all(&models).unwrap();
    let commands = two_scripts(&models);
    let log = dir.join("votes.log");
    let path = log.to_str().unwrap();
    let args = [
        "--name",
        "terse",
        "--cmd",
        &commands[0],
        "--name",
        "a-model-with-a-long-name",
        "--cmd",
        &commands[1],
        "--prompt",
        "9 * 2?",
        "--log",
        path,
    ];
    let live = dual_model(&args).output().unwrap();
    assert_eq!(
        live.status.code(),
        Some(3),
        "as text, 'A: 18' and 'A: $18.00' differ"
    );
    let report = stderr(&live);
    assert!(report.contains("  a-model-with-a-long-name  sh "), "{report}");
    assert!(
        report.contains("call 2  a-model-with-a-long-name  answered"),
        "never cut: {report}"
    );
    assert!(report.contains("key Twice 9 is $18.\\nA: $18.00"), "{report}");
    std::fs::remove_dir_all(&models).unwrap();
    let number = dual_model(&["--rescore", path, "--compare", "number"])
        .output()
        .unwrap();
    assert_eq!(number.status.code(), Some(0), "{}", stderr(&number));
    assert_eq!(
        number.stdout, b"A: 18\n",
        "the first answer of the winning group"
    );
    let again = stderr(&number);
    assert!(again.contains("read number, timeout 60 s"), "{again}");
    assert!(
        again.contains("answered           group 1 ")
            && again.contains("key 18"),
        "{again}"
    );
    let after = dual_model(&["--rescore", path, "--answer-after", "A:"])
        .output()
        .unwrap();
    assert_eq!(
        after.status.code(),
        Some(3),
        "'18' and '$18.00' differ as text"
    );
    assert!(stderr(&after).contains("key $18.00"), "{}", stderr(&after));
    // Rules of a vote do not apply to a vote's log as an evaluation.
    let jobs =
        dual_model(&["--rescore", path, "--jobs", "2"]).output().unwrap();
    assert_eq!(jobs.status.code(), Some(2));
    assert!(
        stderr(&jobs).contains("--jobs is for an evaluation"),
        "{}",
        stderr(&jobs)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn no_answer_found_abstains_with_its_reason_and_a_canon_reads_the_rest() {
    let dir = scratch("canon");
    let tasks = dir.join("tasks.tsv");
    std::fs::write(&tasks, "one\tA: 1\ntwo\tA: 2\n").unwrap();
    let says = "read -r q; [ \"$q\" = one ] && echo 'A: one' || echo 'no idea'";
    let args = with_cmds(
        &[says.to_string(), "read -r q; echo \"A: $q\"".to_string()],
        &[
            "--tasks-file",
            tasks.to_str().unwrap(),
            "--answer-after",
            "A:",
            "--compare",
            "number",
        ],
    );
    let output = run(&args);
    let report = String::from_utf8(output.stdout).unwrap();
    assert!(report.contains("2 no answer found"), "{report}");
    // A canon that maps words to numbers reads them all.
    let canon = "read -r a; case $a in one) echo 1;; two) echo 2;; 1|2) echo $a;; *) echo \"cannot read '$a'\" >&2; exit 5;; esac";
    let mut args = with_cmds(
        &[says.to_string(), "read -r q; echo \"A: $q\"".to_string()],
        &[
            "--tasks-file",
            tasks.to_str().unwrap(),
            "--answer-after",
            "A:",
            "--canon",
            canon,
        ],
    );
    args.push("--quiet".into());
    let output = run(&args);
    let report = String::from_utf8(output.stdout).unwrap();
    assert!(
        report.contains("1 no answer found"),
        "'no idea' has no 'A:': {report}"
    );
    let row =
        format!("  {:<5} {:>7} {:>6} {:>10}  {:>6}", "q", 2, 0, 0, "0.00%");
    assert!(report.contains(&row), "{report}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_evaluation_says_why_a_command_failed() {
    let dir = scratch("why");
    let tasks = dir.join("tasks.tsv");
    std::fs::write(&tasks, "1 + 1\t2\n2 + 2\t4\n").unwrap();
    let crashy = format!("sh '{}'", models().join("crashy.sh").display());
    let output =
        run(&with_cmds(&[crashy], &["--tasks-file", tasks.to_str().unwrap()]));
    let report = String::from_utf8(output.stdout).unwrap();
    assert!(report.contains("  crashy  2 exit status 7\n"), "{report}");
    assert!(
        report.contains("exit status 7, stderr (task line 1): error: MODEL_API_KEY is not set"),
        "{report}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_reading_flags_and_names_are_usage_errors() {
    let cases: [(&[&str], &str); 7] = [
        (
            &["--cmd", "cat", "--prompt", "x", "--compare", "roman"],
            "--compare must be exact, trim, code, number or choice",
        ),
        (
            &["--cmd", "cat", "--prompt", "x", "--answer-after", ""],
            "--answer-after needs a text",
        ),
        (
            &[
                "--cmd",
                "cat",
                "--prompt",
                "x",
                "--canon",
                "cat",
                "--compare",
                "trim",
            ],
            "--canon and --compare do not mix",
        ),
        (
            &["--cmd", "cat", "--name", "late", "--prompt", "x"],
            "--name 'late' must come just before",
        ),
        (
            &[
                "--name", "a", "--cmd", "cat", "--name", "a", "--cmd", "cat",
                "--prompt", "x",
            ],
            "--name 'a' is given to two commands",
        ),
        (
            &["--rescore", "/nonexistent/log"],
            "holds no record of a vote or an evaluation",
        ),
        (
            &["--rescore", "/dev/null", "--cmd", "cat"],
            "--cmd does not mix with --rescore",
        ),
    ];
    for (args, message) in cases {
        let output = dual_model(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty());
        let error = stderr(&output);
        assert!(
            error.contains(message) && error.lines().count() == 1,
            "{args:?}: {error}"
        );
    }
}

#[test]
fn the_checks_reason_is_shown_and_logged() {
    let dir = scratch("check-said");
    let log = dir.join("vote.jsonl");
    let check = "echo \"expected 42, got $(cat \"$ANSWER_FILE\")\" >&2; exit 1";
    let output = dual_model(&[
        "--cmd",
        "echo 41",
        "--check",
        check,
        "--prompt",
        "x",
        "--log",
        log.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&output).contains("the check said: expected 42, got 41"),
        "{}",
        stderr(&output)
    );
    let record =
        json::parse(std::fs::read_to_string(&log).unwrap().trim()).unwrap();
    let call = &record.get("calls").unwrap().items()[0];
    assert_eq!(text(call, "check_stderr"), "expected 42, got 41");
    // In an evaluation, the reason of the most common abstention.
    let tasks = dir.join("tasks.tsv");
    std::fs::write(&tasks, "a\t41\n").unwrap();
    let args = [
        "--cmd",
        "echo 41",
        "--check",
        check,
        "--tasks-file",
        tasks.to_str().unwrap(),
    ];
    let report =
        String::from_utf8(dual_model(&args).output().unwrap().stdout).unwrap();
    assert!(
        report.contains(
            "failed the check, stderr (task line 1): expected 42, got 41"
        ),
        "{report}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
