//! The binaries as a reader runs them: exit codes, what goes to stdout and
//! stderr, and output that does not depend on the number of threads.

use std::process::{Command, Output};

fn run(binary: &str, args: &[&str]) -> Output {
    let path = match binary {
        "bft_demo" => env!("CARGO_BIN_EXE_bft_demo"),
        _ => env!("CARGO_BIN_EXE_dual_model"),
    };
    Command::new(path).args(args).output().expect("the binary starts")
}

#[test]
fn bad_input_is_one_line_on_stderr_and_exit_code_2() {
    let cases: &[(&str, &[&str])] = &[
        ("bft_demo", &["--trials", "0"]),
        ("bft_demo", &["--seed", "-1"]),
        ("bft_demo", &["--tasks", "5"]),
        ("bft_demo", &["stray"]),
        ("dual_model", &["--tasks", "abc"]),
        ("dual_model", &["--tasks", "0"]),
        ("dual_model", &["--tasks", "18446744073709551616"]),
        ("dual_model", &["--models", "A=0.1,B=nan,C=0.2"]),
        ("dual_model", &["--models", "A=0.1,B=0.2"]),
        ("dual_model", &["--models", "=0.1,B=0.2,C=0.3"]),
        ("dual_model", &["--wrong-variants", "-1"]),
        ("dual_model", &["--hard-fraction", "2"]),
        ("dual_model", &["--hard-error", "0.9", "--hard-fraction", "0.9"]),
        ("dual_model", &["--threads", "0"]),
        ("dual_model", &["--seed", "1", "--seed", "1"]),
        ("dual_model", &["--tasks"]),
        ("dual_model", &["--bench", "0"]),
        ("dual_model", &["-x"]),
    ];
    for (binary, args) in cases {
        let output = run(binary, args);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{binary} {args:?}: {stderr}"
        );
        assert!(
            output.stdout.is_empty(),
            "{binary} {args:?} printed to stdout"
        );
        assert_eq!(stderr.lines().count(), 1, "{binary} {args:?}: {stderr}");
        assert!(stderr.starts_with(&format!("{binary}: ")), "{stderr}");
        assert!(
            stderr.ends_with(&format!("(see {binary} --help)\n")),
            "{stderr}"
        );
    }
}

#[test]
fn help_is_printed_and_exits_0() {
    for binary in ["bft_demo", "dual_model"] {
        for flag in ["--help", "-h"] {
            let output = run(binary, &[flag]);
            let stdout = String::from_utf8(output.stdout).unwrap();
            assert_eq!(output.status.code(), Some(0));
            assert!(
                stdout.starts_with(&format!("{binary}: "))
                    && stdout.contains("Usage:"),
                "{stdout}"
            );
            assert!(output.stderr.is_empty());
        }
    }
}

#[test]
fn output_is_the_same_for_every_thread_count() {
    // Five blocks of tasks, sections 2.1 to 2.5; K = 2, and K = 1, whose
    // engines take other paths.
    for k in ["2", "1"] {
        let args = ["--tasks", "300000", "--wrong-variants", k, "--threads"];
        let one = run("dual_model", &[&args[..], &["1"]].concat());
        assert_eq!(one.status.code(), Some(0));
        for threads in ["2", "3", "7"] {
            let other = run("dual_model", &[&args[..], &[threads]].concat());
            assert!(
                one.stdout == other.stdout,
                "K = {k}, --threads {threads} printed other bytes"
            );
        }
    }
    assert_eq!(run("bft_demo", &[]).stdout, run("bft_demo", &[]).stdout);
}

#[test]
fn svg_is_written_where_asked_and_a_bad_folder_is_reported() {
    let dir =
        std::env::temp_dir().join(format!("ch04-svg-{}", std::process::id()));
    // A folder that does not exist is not made: a usage error.
    let missing = run("dual_model", &["--svg", dir.to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("is not an existing folder")
    );
    assert!(!dir.exists());
    std::fs::create_dir(&dir).unwrap();
    let output = run("dual_model", &["--svg", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let svg =
        std::fs::read_to_string(dir.join("majority-scaling.svg")).unwrap();
    assert!(svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"));
    std::fs::remove_dir_all(&dir).unwrap();

    // A folder that exists but takes no file: the machine's refusal.
    let output = run("dual_model", &["--svg", "/proc"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(
        stderr.starts_with(
            "dual_model: --svg: cannot write /proc/majority-scaling.svg"
        ),
        "{stderr}"
    );
}
