//! Helpers for the tests that run `dual_model --cmd` with the scripted
//! models of `models/`.
#![allow(dead_code)] // each test crate uses some of them

use std::path::{Path, PathBuf};

use ch04_bft::llm::real::json::Value;
use std::process::{Child, Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The string at `key` of a JSON object (a log record), which must be one.
pub fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap()
}

pub fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

pub fn model(name: &str) -> String {
    format!("sh '{}'", models().join(format!("{name}.sh")).display())
}

pub fn dual_model(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dual_model"));
    command.args(args);
    command
}

pub fn vote(models: &[&str], extra: &[&str]) -> Output {
    let commands: Vec<String> = models.iter().map(|m| model(m)).collect();
    let mut args: Vec<&str> = Vec::new();
    for command in &commands {
        args.extend(["--cmd", command]);
    }
    args.extend(extra);
    dual_model(&args).output().expect("dual_model runs")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A fresh folder for one test's files.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("ch04-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Processes, zombies aside, whose process group is one of `groups`.
pub fn processes_in_groups(groups: &[u32]) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat"))
        else {
            continue;
        };
        // After the name in parentheses: state, parent, process group.
        let fields: Vec<&str> =
            stat.rsplit(") ").next().unwrap_or("").split(' ').collect();
        let group = fields.get(2).and_then(|g| g.parse::<u32>().ok());
        if fields.first() != Some(&"Z")
            && group.is_some_and(|g| groups.contains(&g))
        {
            found.push(pid);
        }
    }
    found
}

/// A command that counts its call in `counter`, then runs `then`.
pub fn counted(counter: &Path, then: &str) -> String {
    format!("echo x >> '{}'; {then}", counter.display())
}

pub fn calls_in(counter: &Path) -> usize {
    std::fs::read_to_string(counter).map_or(0, |text| text.lines().count())
}

/// A tasks file of sums `i + 2i`, for i from 1 to `n`.
pub fn sums(dir: &Path, n: usize) -> PathBuf {
    let file = dir.join("sums.tsv");
    let text: String = (1..=n)
        .flat_map(|i| [format!("{i} + {}", 2 * i), format!("\t{}\n", 3 * i)])
        .collect();
    std::fs::write(&file, text).unwrap();
    file
}

pub fn run(args: &[String]) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    dual_model(&args).output().unwrap()
}

pub fn with_cmds(commands: &[String], extra: &[&str]) -> Vec<String> {
    let mut args = Vec::new();
    for command in commands {
        args.extend(["--cmd".to_string(), command.clone()]);
    }
    args.extend(extra.iter().map(|a| (*a).to_string()));
    args
}

/// Polls `done` every 10 ms until it holds or `limit` has passed.
pub fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if done() {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        sleep(Duration::from_millis(10));
    }
}

/// Starts `dual_model` with `args`, its stdout and stderr thrown away, for a
/// test that stops or kills it.
pub fn spawn_quiet(args: &[String]) -> Child {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    dual_model(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}
