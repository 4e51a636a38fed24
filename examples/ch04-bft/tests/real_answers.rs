//! Answers read from prose, the GSM8K answers that `OpenAI` released, and
//! `--rescore`, through the real binary.
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};

use ch04_bft::llm::real::answers::{Compare, Reading};
use ch04_bft::llm::real::json::{self, Value};
use common::{dual_model, models, run, scratch, stderr, with_cmds};

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

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap()
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
    let second = live_out.lines().nth(1).unwrap().to_string();
    assert_eq!(
        again_out.lines().nth(1).unwrap(),
        format!("{second} (rescored from {path})"),
    );
    let others = |text: &str| -> Vec<String> {
        let lines = text.lines().enumerate();
        lines.filter(|(i, _)| *i != 1).map(|(_, l)| l.to_string()).collect()
    };
    assert_eq!(others(&live_out), others(&again_out), "line for line");
    let row = format!(
        "   175b_verification {:>8} {:>7} {:>11}   43.75%",
        742, 576, 1
    );
    assert!(live_out.contains(&row), "{live_out}");
    // Names the simulation refuses (more than 16 characters) become M1 ...
    assert_eq!(
        live_out.lines().last(),
        Some(
            "Simulate them: dual_model --models M1=0.4375,M2=0.6096,M3=0.6528,M4=0.7832"
        )
    );
    // Read another way: as whole text, every answer is wrong.
    let trim = run(&["--rescore".to_string(), path.to_string()]);
    let trim_out = String::from_utf8(trim.stdout).unwrap();
    let row = format!(
        "   175b_verification {:>8} {:>7} {:>11}   100.00%",
        0, 1319, 0
    );
    assert!(trim_out.contains(&row), "{trim_out}");
    assert_eq!(untimed(&trim_out).len(), untimed(&again_out).len());
    std::fs::remove_dir_all(&dir).unwrap();
}

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
    assert!(report.contains("   a-model-with-a-long-name  sh "), "{report}");
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
        again.contains("answered                 group 1 ")
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
        format!("   {:<5} {:>8} {:>7} {:>11}   {:>6}", "q", 2, 0, 0, "0.00%");
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
    assert!(report.contains("   crashy  2 exit status 7\n"), "{report}");
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
        stderr(&output).contains("key 42   after 2 failed attempt(s)"),
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
    let row = format!("   {:<5} {:>8} {:>7} {:>11}", "b", 2, 1, 0);
    assert!(report.contains(&row), "{report}");
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
