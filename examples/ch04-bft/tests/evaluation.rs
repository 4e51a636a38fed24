//! `dual_model --cmd ... --tasks-file`, through the real binary: the
//! evaluation's figures against values this file computes on its own from
//! the scripted models' rules, and a malformed tasks file.
#![cfg(unix)]

mod common;

use common::{models, scratch, stderr, vote};

#[test]
fn a_malformed_tasks_file_names_the_file_and_line() {
    let dir = scratch("tasks");
    let file = dir.join("bad.tsv");
    std::fs::write(&file, "# header\n1 + 1\t2\n2 + 2 4\n").unwrap();
    let output = vote(&["alpha"], &["--tasks-file", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains(&format!(
            "{}, line 3: needs PROMPT<TAB>EXPECTED, found 0 tabs",
            file.display()
        )),
        "{message}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The scripted models' rules, written again here, so the evaluation's
/// figures are checked against an independent computation.
fn scripted(name: &str, a: i64, b: i64) -> i64 {
    let hard = (a + 2 * b) % 7 == 0;
    match name {
        "alpha" | "beta" if hard => a + b + 1,
        "beta" if (a * b) % 13 == 1 => a + b - 10,
        "gamma" if (3 * a + b) % 11 == 0 => a + b - 1,
        _ => a + b,
    }
}

/// The scripted tasks, as (A, B) for "A + B".
fn scripted_tasks() -> Vec<(i64, i64)> {
    let text = std::fs::read_to_string(models().join("tasks.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (prompt, expected) = l.split_once('\t').unwrap();
            let (a, b) = prompt.split_once(" + ").unwrap();
            let (a, b) = (a.parse().unwrap(), b.parse().unwrap());
            assert_eq!(expected.parse::<i64>().unwrap(), a + b);
            (a, b)
        })
        .collect()
}

const NAMES: [&str; 3] = ["alpha", "beta", "gamma"];

/// The evaluation's report on the scripted models and tasks.
fn scripted_report() -> String {
    let file = models().join("tasks.tsv");
    let output =
        vote(&NAMES, &["--tasks-file", file.to_str().unwrap(), "--jobs", "3"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn the_evaluation_reports_exactly_what_the_models_do() {
    let tasks = scripted_tasks();
    assert!(tasks.len() >= 200);
    let names = NAMES;
    let report = scripted_report();
    let n = tasks.len() as f64;
    let pct = |count: usize| format!("{:.2}%", count as f64 / n * 100.0);
    for name in names {
        let wrong = tasks
            .iter()
            .filter(|&&(a, b)| scripted(name, a, b) != a + b)
            .count();
        let row = format!(
            "{name:<5} {:>7} {wrong:>6} {:>10}  {:>6}",
            tasks.len() - wrong,
            0,
            pct(wrong)
        );
        assert!(report.contains(&row), "no row '{row}' in\n{report}");
    }
    // Both wrong, and the same wrong answer, for alpha and beta.
    let both: Vec<&(i64, i64)> = tasks
        .iter()
        .filter(|&&(a, b)| {
            scripted("alpha", a, b) != a + b && scripted("beta", a, b) != a + b
        })
        .collect();
    let same = both
        .iter()
        .filter(|&&&(a, b)| scripted("alpha", a, b) == scripted("beta", a, b))
        .count();
    let share = format!(
        "{same} of {} ({:.0}%)",
        both.len(),
        same as f64 / both.len() as f64 * 100.0
    );
    let pair = format!("{:<12} {:>10}", "alpha, beta", pct(both.len()));
    assert!(report.contains(&pair), "no '{pair}' in\n{report}");
    assert!(report.contains(&share), "no '{share}' in\n{report}");
    // The majority of three: accepted and correct when two agree on a + b.
    let majority_correct = tasks
        .iter()
        .filter(|&&(a, b)| {
            names.iter().filter(|m| scripted(m, a, b) == a + b).count() >= 2
        })
        .count();
    let majority = report.split("Majority, 2 of 3").nth(1).unwrap();
    let first_row = majority.lines().nth(1).unwrap();
    assert!(
        first_row.trim_start().starts_with(&format!(
            "{:<21} {:>7}",
            "accepted and correct",
            pct(majority_correct)
        )),
        "{first_row}"
    );
    let closing = report.lines().last().unwrap();
    let rates: Vec<String> = names
        .iter()
        .map(|m| {
            let wrong = tasks
                .iter()
                .filter(|&&(a, b)| scripted(m, a, b) != a + b)
                .count();
            format!("{m}={:.4}", wrong as f64 / n)
        })
        .collect();
    assert_eq!(closing, format!("dual_model --models {}", rates.join(",")));
}

#[test]
fn the_early_rules_count_what_the_recorded_answers_allow() {
    let tasks = scripted_tasks();
    let names = NAMES;
    let report = scripted_report();
    let n = tasks.len() as f64;
    let pct = |count: usize| format!("{:.2}%", count as f64 / n * 100.0);
    // The cascade pays for a third call only when alpha and beta differ.
    // Ahead by 2 (at most 3 calls) needs the first two to agree: after two
    // different answers, a third makes a lead of one, not two.
    let mut cascade_calls = 0;
    let mut ahead_correct = 0;
    for &(a, b) in &tasks {
        let [x, y, _] = names.map(|m| scripted(m, a, b));
        cascade_calls += if x == y { 2 } else { 3 };
        ahead_correct += usize::from(x == y && x == a + b);
    }
    let row = |name: &str| {
        report
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or("")
            .to_string()
    };
    let cascade = row("cascade 2 of 3");
    assert!(
        cascade.contains(&format!("{:.2} | ", f64::from(cascade_calls) / n)),
        "{cascade} against {cascade_calls} calls"
    );
    let ahead = row("ahead by 2");
    assert!(ahead.contains(&format!("{} | ", pct(ahead_correct))), "{ahead}");
}
