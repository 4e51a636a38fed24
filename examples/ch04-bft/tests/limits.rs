//! The machine's limits on processes and address space, and command lines
//! that cannot run, through the real binary: a wrapper shell that cannot
//! fork is the machine's failure (retried, else exit 1), never the model's;
//! `ulimit -v` never aborts a run; a command the shell cannot find or run
//! on any call is a usage error (exit 2).
#![cfg(unix)]

mod common;

use std::process::{Command, Output};

use common::{dual_model, model, models, run, stderr, with_cmds};

/// The evaluation of the three scripted models on their tasks file.
fn evaluation() -> Vec<String> {
    evaluation_with_jobs("4")
}

fn evaluation_with_jobs(jobs: &str) -> Vec<String> {
    let tasks = models().join("tasks.tsv");
    let commands: Vec<String> =
        ["alpha", "beta", "gamma"].iter().map(|m| model(m)).collect();
    let tasks = tasks.display().to_string();
    with_cmds(&commands, &["--tasks-file", &tasks, "--jobs", jobs, "--quiet"])
}

/// `args` run by user `nobody` under `ulimit -u limit`, or `None` where
/// this test cannot switch users (only root can, and only root's own
/// processes ignore the limit).
fn as_nobody_with_processes(limit: u32, args: &[String]) -> Option<Output> {
    let root = Command::new("id").arg("-u").output().ok()?.stdout == b"0\n";
    let setpriv = Command::new("sh")
        .args(["-c", "command -v setpriv && command -v bash"])
        .output()
        .ok()?;
    if !root || !setpriv.status.success() {
        return None;
    }
    let mut command = Command::new("setpriv");
    command
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "bash",
            "-c",
        ])
        .arg(format!("ulimit -u {limit} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_dual_model"))
        .args(args)
        .current_dir("/");
    Some(command.output().unwrap())
}

#[test]
fn a_shell_that_cannot_fork_is_the_machines_failure_not_the_models() {
    let free = run(&evaluation());
    assert_eq!(free.status.code(), Some(0), "{}", stderr(&free));
    let mut tried = 0;
    for limit in [12, 16, 20, 24, 28, 32, 40] {
        let Some(limited) = as_nobody_with_processes(limit, &evaluation())
        else {
            eprintln!("skipped: needs root and setpriv to run as nobody");
            return;
        };
        tried += 1;
        let report = String::from_utf8_lossy(&limited.stdout);
        // No abstention for the wrapper's failure, in a whole report or in
        // the part of one before "Not run".
        assert!(
            !report.contains("exit status"),
            "ulimit -u {limit}:\n{report}"
        );
        match limited.status.code() {
            // Whatever ran under the limit ran as it does without one.
            Some(0) => assert_eq!(
                report,
                String::from_utf8_lossy(&free.stdout),
                "ulimit -u {limit}"
            ),
            Some(1) => {
                assert!(
                    stderr(&limited).contains("could not run"),
                    "ulimit -u {limit}: {}",
                    stderr(&limited)
                );
            }
            other => {
                panic!("ulimit -u {limit}: {other:?} {}", stderr(&limited))
            }
        }
    }
    assert_eq!(tried, 7);
}

/// One line on stderr that names the command; nothing on stdout; exit 2.
fn refused(output: &Output, command: &str, said: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(output.stdout.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&format!("--cmd '{command}'")), "{err}");
    assert!(err.contains(said), "{err}");
}

#[test]
fn a_command_that_is_never_found_is_a_usage_error_not_abstentions() {
    // `sh -c` is found, the program it names is not: the shell's 127 on
    // every call. A vote that waits for every answer, and an evaluation.
    let missing = "sh -c nosuchprogram-ch04";
    let commands = [model("alpha"), missing.to_string(), model("beta")];
    let vote = run(&with_cmds(&commands, &["--prompt", "1 + 2", "--wait-all"]));
    refused(&vote, missing, "nosuchprogram-ch04: not found");
    let mut args = evaluation();
    args[3] = missing.to_string();
    let evaluation = run(&args);
    refused(&evaluation, missing, "exit status 127 or 126");
    // A folder is found, but cannot run: the shell's 126.
    let folder = models().display().to_string();
    let commands = [model("alpha"), folder.clone()];
    let vote = run(&with_cmds(&commands, &["--prompt", "1 + 2", "--wait-all"]));
    refused(&vote, &folder, "Permission denied");
}

#[test]
fn a_script_that_is_not_a_file_stops_before_any_call() {
    let output = dual_model(&["--cmd", "sh missing-ch04.sh", "--prompt", "1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(
        stderr(&output).contains("'missing-ch04.sh' is not a file"),
        "{}",
        stderr(&output)
    );
    // Options and scripts that exist are left to the shell.
    for command in ["sh -c 'echo 3'", &model("alpha"), "python3 -c 'print(3)'"]
    {
        let output = dual_model(&["--cmd", command, "--prompt", "1 + 2"])
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{command}: {}",
            stderr(&output)
        );
    }
}

/// `args` run under `ulimit -v kib`.
fn with_address_space(kib: u32, args: &[String]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_dual_model"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn an_address_space_limit_never_aborts_the_run() {
    // Without the claims of `memory`, a thread's signal stack or a buffer
    // refused past the limit aborted dual_model (exit 134).
    let fifteen: Vec<String> = (0..15).map(|_| model("alpha")).collect();
    let vote = with_cmds(&fifteen, &["--prompt", "1 + 2", "--quiet"]);
    let threads: Vec<String> =
        ["--threads", "64", "--tasks", "20000"].map(String::from).to_vec();
    let cases = [
        (vote, vec![10_000, 20_000, 30_000, 50_000, 100_000]),
        (
            evaluation_with_jobs("8"),
            vec![30_000, 45_000, 60_000, 300_000, 800_000],
        ),
        (threads, vec![8_000, 20_000, 60_000]),
    ];
    for (args, limits) in cases {
        let free = run(&args);
        assert_eq!(free.status.code(), Some(0), "{}", stderr(&free));
        for kib in limits {
            let limited = with_address_space(kib, &args);
            let what = format!("ulimit -v {kib}, {:?}", &args[..2]);
            match limited.status.code() {
                Some(0) => assert_eq!(limited.stdout, free.stdout, "{what}"),
                Some(1) => assert!(
                    stderr(&limited).contains("ulimit -v"),
                    "{what}: {}",
                    stderr(&limited)
                ),
                other => panic!("{what}: {other:?} {}", stderr(&limited)),
            }
        }
    }
}

/// Processes whose command line holds `token`.
fn processes_holding(token: &str) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    entries
        .flatten()
        .filter(|entry| {
            std::fs::read(entry.path().join("cmdline")).is_ok_and(|line| {
                String::from_utf8_lossy(&line).contains(token)
            })
        })
        .count()
}

#[test]
fn a_command_that_kills_the_stop_helper_stops_the_run() {
    // The command on task 5 finds the dual_model it runs under and kills
    // that run's stop helper, and only that one. Every call leaves a child
    // behind in its group, named by a token. Without the helper, nothing
    // would stop those children, and the run would go on.
    let dir = common::scratch("helper-killed");
    let killer = dir.join("kill-helper.sh");
    std::fs::write(
        &killer,
        "p=$$\nwhile [ \"$p\" -gt 1 ]; do\n  p=$(awk '{print $4}' /proc/$p/stat)\n  \
         [ \"$(cat /proc/$p/comm)\" = dual_model ] && break\ndone\n\
         pkill -KILL -P \"$p\" -f dual_model-reaper\n",
    )
    .unwrap();
    let token = format!("ch04-left-{}", std::process::id());
    let command = format!(
        "read a op b; sh -c 'sleep 30' {token} & [ \"$a\" = 5 ] && sh '{}'; echo $((a + b))",
        killer.display()
    );
    let tasks = common::sums(&dir, 40).display().to_string();
    let args = with_cmds(&[command], &["--tasks-file", &tasks, "--quiet"]);
    let output = run(&args);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("dual_model-reaper) was killed"), "{err}");
    assert!(
        common::wait_for(std::time::Duration::from_secs(3), || {
            processes_holding(&token) == 0
        }),
        "children left running"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
