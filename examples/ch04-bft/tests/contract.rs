//! The command-line contract under hostile input: arguments that are not
//! UTF-8, values with control characters, a stderr that cannot be written,
//! threads that cannot be started, `--help` among other arguments, and
//! numbers that must never show as `inf`, `NaN` or `-0`.

use std::ffi::OsString;
use std::process::{Command, Output, Stdio};

fn binary(name: &str) -> Command {
    Command::new(match name {
        "bft_demo" => env!("CARGO_BIN_EXE_bft_demo"),
        _ => env!("CARGO_BIN_EXE_dual_model"),
    })
}

fn run(name: &str, args: &[&str]) -> Output {
    binary(name).args(args).output().expect("the binary starts")
}

/// Exit code 2, nothing on stdout, and exactly one line on stderr.
fn assert_usage_error(output: &Output, what: &str) -> String {
    let stderr = String::from_utf8(output.stderr.clone()).expect("UTF-8");
    assert_eq!(output.status.code(), Some(2), "{what}: {stderr}");
    assert!(output.stdout.is_empty(), "{what}: something on stdout");
    assert_eq!(stderr.matches('\n').count(), 1, "{what}: {stderr:?}");
    assert!(!stderr.contains('\r') && !stderr.contains('\u{1b}'), "{what}");
    stderr
}

#[cfg(unix)]
#[test]
fn an_argument_that_is_not_utf8_is_a_usage_error() {
    use std::os::unix::ffi::OsStringExt;
    for name in ["bft_demo", "dual_model"] {
        for position in [0, 1] {
            let bad = OsString::from_vec(vec![b'-', b'-', 0xC3, 0x28]);
            let mut args = vec![OsString::from("--seed"), OsString::from("1")];
            args.insert(position * 2, bad);
            let output = binary(name).args(&args).output().unwrap();
            let stderr = assert_usage_error(&output, name);
            let argument = position * 2 + 1;
            assert!(
                stderr.contains(&format!(
                    "argument {argument} is not valid UTF-8"
                )),
                "{stderr}"
            );
        }
    }
}

#[test]
fn control_characters_in_a_value_are_shown_escaped() {
    let cases: [(&str, &[&str]); 4] = [
        ("dual_model", &["--tasks", "12\n3"]),
        ("dual_model", &["--models", "A=0.1,B\u{1b}[2J=0.2,C=0.3"]),
        ("bft_demo", &["--seed", "1\r\n2"]),
        ("bft_demo", &["stray\tvalue\n"]),
    ];
    for (name, args) in cases {
        let stderr = assert_usage_error(&run(name, args), &format!("{args:?}"));
        assert!(
            stderr.contains("\\n")
                || stderr.contains("\\u{1b}")
                || stderr.contains("\\t"),
            "{stderr}"
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn an_unwritable_stderr_still_gives_the_exit_code() {
    for (name, args, code) in [
        ("dual_model", &["--tasks", "0"][..], 2),
        ("bft_demo", &["--what"][..], 2),
        ("dual_model", &["--svg", "/proc", "--tasks", "10"][..], 1),
    ] {
        let full = std::fs::File::create("/dev/full").expect("/dev/full");
        let output = binary(name)
            .args(args)
            .stderr(Stdio::from(full))
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(code), "{name} {args:?}");
    }
    // And stdout: the report cannot be written, which is said on stderr.
    let full = std::fs::File::create("/dev/full").expect("/dev/full");
    let output =
        binary("bft_demo").stdout(Stdio::from(full)).output().expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("bft_demo: ") && stderr.lines().count() == 1);
}

/// A thread stack of a petabyte cannot be had, so every worker thread fails
/// to start; the run completes on the main thread, with the same output.
#[test]
fn threads_that_cannot_start_change_nothing() {
    let args = ["--tasks", "300000", "--wrong-variants", "2", "--threads", "8"];
    let normal = run("dual_model", &args);
    assert_eq!(normal.status.code(), Some(0));
    let starved = binary("dual_model")
        .args(args)
        .env("RUST_MIN_STACK", "1000000000000000")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&starved.stderr);
    assert_eq!(starved.status.code(), Some(0), "{stderr}");
    assert!(starved.stdout == normal.stdout, "other output without threads");
    let bench = binary("dual_model")
        .args(["--bench", "1000", "--threads", "4"])
        .env("RUST_MIN_STACK", "1000000000000000")
        .output()
        .expect("runs");
    assert_eq!(bench.status.code(), Some(0), "--bench without threads");
}

#[test]
fn help_among_other_arguments_needs_them_valid() {
    for (name, good, bad) in [
        ("bft_demo", &["--seed", "3"][..], &["--seed", "x"][..]),
        ("dual_model", &["--tasks", "5"][..], &["--tasks", "0"][..]),
    ] {
        for help in ["--help", "-h"] {
            let ok = run(name, &[good, &[help]].concat());
            assert_eq!(ok.status.code(), Some(0), "{name} {good:?} {help}");
            assert!(String::from_utf8(ok.stdout).unwrap().contains("Usage:"));
            let before = run(name, &[&[help], bad].concat());
            assert_usage_error(&before, &format!("{name} {help} {bad:?}"));
            let after = run(name, &[bad, &[help]].concat());
            assert_usage_error(&after, &format!("{name} {bad:?} {help}"));
        }
    }
}

#[test]
fn no_number_shows_as_inf_nan_or_negative_zero() {
    let cases: [&[&str]; 4] = [
        // Dual agreement accepts with probability 1e-310: 2 / 1e-310 calls.
        &["--models", "A=1,B=1e-310,C=0.5", "--hard-fraction", "0"],
        &["--models", "A=-0,B=-0.0,C=0", "--hard-fraction", "-0"],
        &[
            "--models",
            "A=1,B=1,C=1",
            "--wrong-variants",
            "1000000",
            "--hard-fraction",
            "0",
        ],
        &["--models", "A=0,B=0,C=0", "--hard-fraction", "0"],
    ];
    for args in cases {
        let output = run("dual_model", args);
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        // Every word that reads as a number (a trailing % or x aside) is
        // finite and not negative zero; "inf" and "NaN" read as numbers too.
        for word in stdout.split(|c: char| c.is_whitespace() || c == '|') {
            let word = word.trim_matches(|c| "[](),;:".contains(c));
            let number = word.trim_end_matches(['%', 'x']);
            if let Ok(value) = number.parse::<f64>() {
                assert!(value.is_finite(), "{args:?}: '{word}'");
                assert!(
                    !(value == 0.0 && value.is_sign_negative()),
                    "{args:?}: '{word}'"
                );
            }
        }
    }
}
