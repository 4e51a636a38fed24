//! The GSM8K answers that `OpenAI` released, through the real binary: the
//! shipped files against the release, every verdict against `is_correct`,
//! `recorded.sh`, and the live evaluation decided again from its log.
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};

use ch04_bft::llm::real::answers::{Compare, Reading};
use ch04_bft::llm::real::json::{self, Value};
use common::{dual_model, models, run, scratch, stderr, text, with_cmds};

const SYSTEMS: [&str; 4] = [
    "6b_finetuning",
    "6b_verification",
    "175b_finetuning",
    "175b_verification",
];

fn gsm8k() -> PathBuf {
    models().join("gsm8k")
}

/// The release, one parsed line per question.
fn release() -> Vec<Value> {
    let path = gsm8k().join("example_model_solutions.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().map(|line| json::parse(line).unwrap()).collect()
}

fn solution<'a>(row: &'a Value, system: &str) -> (&'a str, bool) {
    let answer = row.get(system).unwrap();
    let label = answer.get("is_correct").unwrap() == &Value::Bool(true);
    (text(answer, "solution"), label)
}

/// The escapes of a tasks file, which answers.tsv uses too.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\t', "\\t").replace('\n', "\\n")
}

#[test]
fn the_shipped_files_are_the_release_rewritten() {
    let rows = release();
    assert_eq!(rows.len(), 1319);
    let (mut answers, mut tasks) = (String::new(), String::new());
    for row in &rows {
        let question = escape(text(row, "question"));
        answers.push_str(&question);
        for system in SYSTEMS {
            answers.push('\t');
            answers.push_str(&escape(solution(row, system).0));
        }
        answers.push('\n');
        let last = text(row, "ground_truth").lines().last().unwrap();
        tasks.push_str(&question);
        tasks.push('\t');
        tasks.push_str(&escape(last));
        tasks.push('\n');
    }
    let shipped =
        |name: &str| std::fs::read_to_string(gsm8k().join(name)).unwrap();
    assert!(
        shipped("answers.tsv") == answers,
        "answers.tsv differs from the release"
    );
    assert!(
        shipped("tasks.tsv") == tasks,
        "tasks.tsv differs from the release"
    );
    let licence = shipped("LICENSE");
    assert!(licence.starts_with("MIT License\n\nCopyright (c) 2021 OpenAI"));
}

#[test]
fn every_verdict_read_from_prose_equals_openais_label() {
    let reading = Reading {
        after: Some("A:".into()),
        compare: Compare::Number,
        canon: None,
    };
    let mut correct = [0; 4];
    let (mut disagreements, mut no_answer) = (Vec::new(), 0);
    for (line, row) in release().iter().enumerate() {
        let expected =
            reading.key(text(row, "ground_truth").as_bytes()).unwrap();
        for (s, system) in SYSTEMS.iter().enumerate() {
            let (answer, label) = solution(row, system);
            let key = reading.key(answer.as_bytes());
            no_answer += usize::from(key.is_none());
            let verdict = key.as_deref() == Some(&expected[..]);
            correct[s] += usize::from(verdict);
            if verdict != label {
                disagreements.push((line + 1, *system));
            }
        }
    }
    assert_eq!(
        disagreements,
        [],
        "0 of 1319 x 4 verdicts differ from is_correct"
    );
    assert_eq!(correct, [286, 515, 458, 742]);
    assert_eq!(no_answer, 11, "answers cut off before their 'A:' line");
    // Read as they are, with no marker, nearly every verdict differs.
    let plain = Reading::plain(Compare::Trim);
    let row = &release()[0];
    let (answer, label) = solution(row, "175b_verification");
    assert!(label);
    assert_ne!(plain.key(answer.as_bytes()), plain.key(b"A: 18"));
}

fn recorded(system: &str) -> String {
    format!("sh '{}' {system}", gsm8k().join("recorded.sh").display())
}

#[test]
fn recorded_sh_prints_the_release_byte_for_byte_and_refuses_the_unknown() {
    let rows = release();
    for (i, system) in [(0, "175b_verification"), (1318, "6b_finetuning")] {
        let question = format!("{}\n", text(&rows[i], "question"));
        let output = dual_model(&[
            "--cmd",
            &recorded(system),
            "--prompt-file",
            "/dev/stdin",
            "--compare",
            "exact",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(question.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(
            String::from_utf8(output.stdout).unwrap(),
            solution(&rows[i], system).0
        );
    }
    let unknown = run(&with_cmds(
        &[recorded("6b_finetuning")],
        &["--prompt", "What is 2 + 2?"],
    ));
    assert_eq!(unknown.status.code(), Some(3));
    assert!(stderr(&unknown).contains(
        "stderr: recorded.sh: not a GSM8K test question: What is 2 + 2?"
    ));
    let bad = run(&with_cmds(&[recorded("7b")], &["--prompt", "x"]));
    assert!(
        stderr(&bad).contains("NAME must be 6b_finetuning"),
        "{}",
        stderr(&bad)
    );
}

/// The report's lines that do not depend on how long calls took.
fn untimed(report: &str) -> Vec<String> {
    report.lines().filter(|l| !l.contains(" s ")).map(str::to_string).collect()
}

fn copy_models(dir: &Path) -> Vec<String> {
    let copy = dir.join("gsm8k");
    std::fs::create_dir_all(&copy).unwrap();
    for file in ["recorded.sh", "answers.tsv"] {
        std::fs::copy(gsm8k().join(file), copy.join(file)).unwrap();
    }
    ["175b_verification", "6b_verification", "175b_finetuning", "6b_finetuning"]
        .iter()
        .map(|s| format!("sh '{}' {s}", copy.join("recorded.sh").display()))
        .collect()
}

#[test]
fn the_live_evaluation_agrees_with_the_labels_and_rescores_without_a_call() {
    let dir = scratch("gsm8k");
    let commands = copy_models(&dir);
    let log = dir.join("gsm8k.log");
    let tasks = gsm8k().join("tasks.tsv");
    let reading = ["--compare", "number", "--answer-after", "A:"];
    let mut args = with_cmds(&commands, &reading);
    for extra in [
        "--tasks-file",
        tasks.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
    ] {
        args.push(extra.to_string());
    }
    let live = run(&args);
    assert_eq!(live.status.code(), Some(0), "{}", stderr(&live));
    // Each call's verdict in the log against OpenAI's label for it.
    let rows = release();
    let order = [3, 1, 2, 0]; // the commands' systems, as indexes of SYSTEMS
    let mut checked = 0;
    for line in std::fs::read_to_string(&log).unwrap().lines() {
        let record = json::parse(line).unwrap();
        let task =
            usize::try_from(record.get("task").unwrap().as_u64().unwrap())
                .unwrap();
        let expected = text(&record, "expected_key");
        for (c, call) in record.get("calls").unwrap().items().iter().enumerate()
        {
            let verdict =
                call.get("key").and_then(Value::as_str) == Some(expected);
            let (_, label) = solution(&rows[task - 1], SYSTEMS[order[c]]);
            assert_eq!(verdict, label, "task {task}, command {c}");
            checked += 1;
        }
    }
    assert_eq!(checked, 1319 * 4);
    // The models gone, the log decides again: the same report, no call.
    std::fs::remove_dir_all(dir.join("gsm8k")).unwrap();
    let path = log.to_str().unwrap();
    let again = run(&[&["--rescore", path][..], &reading]
        .concat()
        .iter()
        .map(|a| (*a).to_string())
        .collect::<Vec<_>>());
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let (live_out, again_out) = (
        String::from_utf8(live.stdout).unwrap(),
        String::from_utf8(again.stdout).unwrap(),
    );
    let rescored = format!("Rescored from {path}: no call made");
    assert_eq!(again_out.lines().nth(3).unwrap(), rescored);
    assert_eq!(live_out.lines().nth(2), again_out.lines().nth(2), "tasks");
    let others = |text: &str| -> Vec<String> {
        let lines = text.lines().filter(|l| **l != *rescored);
        lines.map(str::to_string).collect()
    };
    assert_eq!(others(&live_out), others(&again_out), "line for line");
    let row =
        format!("  175b_verification {:>7} {:>6} {:>10}  43.75%", 742, 576, 1);
    assert!(live_out.contains(&row), "{live_out}");
    // Names the simulation refuses (more than 16 characters) become M1 ...
    assert_eq!(
        live_out.lines().last(),
        Some("dual_model --models M1=0.4375,M2=0.6096,M3=0.6528,M4=0.7832")
    );
    // Read another way: as whole text, every answer is wrong.
    let trim = run(&["--rescore".to_string(), path.to_string()]);
    let trim_out = String::from_utf8(trim.stdout).unwrap();
    let row =
        format!("  175b_verification {:>7} {:>6} {:>10}  100.00%", 0, 1319, 0);
    assert!(trim_out.contains(&row), "{trim_out}");
    assert_eq!(untimed(&trim_out).len(), untimed(&again_out).len());
    std::fs::remove_dir_all(&dir).unwrap();
}
