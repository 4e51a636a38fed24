//! `dual_model --cmd ... --tasks-file --log`, through the real binary: every
//! call kept, an interrupted evaluation resumed with only the missing calls
//! and the same report, and two equal commands kept as two samples.
#![cfg(unix)]

mod common;

use std::fs;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use ch04_bft::llm::real::json;
use common::{
    calls_in, counted, model, models, run, scratch, spawn_quiet, stderr, sums,
    wait_for, with_cmds,
};

/// alpha, beta and gamma on `models/tasks.tsv`, each call counted.
fn scripted_evaluation(counter: &Path, extra: &[&str]) -> Output {
    let commands: Vec<String> = ["alpha", "beta", "gamma"]
        .iter()
        .map(|name| counted(counter, &format!("exec {}", model(name))))
        .collect();
    let tasks = models().join("tasks.tsv");
    let args = with_cmds(
        &commands,
        &[&["--tasks-file", tasks.to_str().unwrap()], extra].concat(),
    );
    run(&args)
}

#[test]
fn a_resumed_evaluation_makes_only_the_missing_calls_and_prints_the_same_bytes()
{
    let dir = scratch("resume");
    let counter = dir.join("calls");
    let log = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let full_log = log("full.jsonl");
    let whole = scripted_evaluation(&counter, &["--log", &full_log]);
    assert_eq!(whole.status.code(), Some(0), "{}", stderr(&whole));
    let tasks = 238;
    assert_eq!(calls_in(&counter), 3 * tasks);
    let records = fs::read_to_string(&full_log).unwrap();
    assert_eq!(records.lines().count(), tasks);
    let first = json::parse(records.lines().next().unwrap()).unwrap();
    assert_eq!(first.get("calls").unwrap().items().len(), 3);
    // An interrupted run: 100 whole records and half of the 101st.
    let partial = log("partial.jsonl");
    let lines: Vec<&str> = records.lines().collect();
    let cut = &lines[100][..lines[100].len() / 2];
    fs::write(&partial, format!("{}\n{cut}", lines[..100].join("\n"))).unwrap();
    let before = calls_in(&counter);
    let resumed =
        scripted_evaluation(&counter, &["--log", &partial, "--resume"]);
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    assert_eq!(resumed.stdout, whole.stdout, "byte-identical report");
    assert_eq!(calls_in(&counter) - before, 3 * (tasks - 100));
    assert!(
        stderr(&resumed).contains("line 101: cut off or not a record"),
        "{}",
        stderr(&resumed)
    );
    // The log is now complete: resuming it again makes no call at all.
    let before = calls_in(&counter);
    let again = scripted_evaluation(&counter, &["--log", &partial, "--resume"]);
    assert_eq!(
        (again.status.code(), calls_in(&counter) - before),
        (Some(0), 0)
    );
    assert_eq!(again.stdout, whole.stdout);
    // A log is never continued by accident, nor by other commands.
    let fresh = scripted_evaluation(&counter, &["--log", &partial]);
    assert_eq!(fresh.status.code(), Some(2));
    assert!(stderr(&fresh).contains("add --resume"), "{}", stderr(&fresh));
    let other = run(&with_cmds(
        &[model("alpha")],
        &[
            "--tasks-file",
            models().join("tasks.tsv").to_str().unwrap(),
            "--log",
            &partial,
            "--resume",
        ],
    ));
    assert_eq!(other.status.code(), Some(2));
    assert_eq!(stderr(&other).lines().count(), 1);
    assert!(
        stderr(&other).contains("recorded with another list of commands"),
        "{}",
        stderr(&other)
    );
    // A run killed mid-way, then resumed, reports what one run reports.
    let killed_log = log("killed.jsonl");
    let slow_tasks = dir.join("slow.tsv");
    let commands: Vec<String> = ["alpha", "beta", "gamma"]
        .iter()
        .map(|name| format!("sleep 0.02; exec {}", model(name)))
        .collect();
    fs::copy(models().join("tasks.tsv"), &slow_tasks).unwrap();
    let args = with_cmds(
        &commands,
        &[
            "--tasks-file",
            slow_tasks.to_str().unwrap(),
            "--log",
            &killed_log,
            "--jobs",
            "2",
        ],
    );
    let mut child = spawn_quiet(&args);
    assert!(wait_for(Duration::from_secs(20), || calls_in(Path::new(
        &killed_log
    )) >= 20));
    child.kill().unwrap();
    child.wait().unwrap();
    let done = calls_in(Path::new(&killed_log));
    assert!(done < tasks, "killed before the end ({done} tasks)");
    let finished = run(&[args, vec!["--resume".into()]].concat());
    assert_eq!(finished.status.code(), Some(0), "{}", stderr(&finished));
    let report = |output: &Output| {
        String::from_utf8_lossy(&output.stdout)
            .replace(slow_tasks.to_str().unwrap(), "FILE")
    };
    let whole_report = String::from_utf8_lossy(&whole.stdout)
        .replace(models().join("tasks.tsv").to_str().unwrap(), "FILE");
    assert_eq!(report(&finished), whole_report);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn two_equal_commands_are_two_samples() {
    let dir = scratch("samples");
    let counter = dir.join("calls");
    let tasks = sums(&dir, 10);
    let log = dir.join("log.jsonl");
    let command = counted(&counter, "read a op b; echo $((a + b))");
    let output = run(&with_cmds(
        &[command.clone(), command],
        &[
            "--tasks-file",
            tasks.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
        ],
    ));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(calls_in(&counter), 20);
    for line in fs::read_to_string(&log).unwrap().lines() {
        let record = json::parse(line).unwrap();
        assert_eq!(record.get("calls").unwrap().items().len(), 2);
    }
    fs::remove_dir_all(&dir).unwrap();
}
