//! The command-line contract both programs keep, written once.
//!
//! Flags are `--name value` or `--name=value`. Bad input of any kind, an
//! argument that is not UTF-8 included, gets one line on stderr naming the flag
//! and the problem, nothing on stdout, and exit code 2. Control characters in
//! what the user typed are shown escaped, so the message stays one line. When
//! stderr itself cannot be written, the program still exits with its code.
//! `--help` prints the usage only when the rest of the command line is valid;
//! otherwise the error names what is wrong.

use std::ffi::OsString;
use std::io::{self, BufWriter, Write};
use std::ops::RangeInclusive;
use std::process::ExitCode;

/// How a flag takes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `--name VALUE`, at most once.
    Value,
    /// `--name VALUE`, as often as needed.
    Repeated,
    /// `--name`, no value.
    Switch,
}

/// A flag a program knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag {
    pub name: &'static str,
    pub kind: Kind,
}

impl Flag {
    pub const fn value(name: &'static str) -> Flag {
        Flag { name, kind: Kind::Value }
    }

    pub const fn repeated(name: &'static str) -> Flag {
        Flag { name, kind: Kind::Repeated }
    }

    pub const fn switch(name: &'static str) -> Flag {
        Flag { name, kind: Kind::Switch }
    }
}

/// The flags given on one command line, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    given: Vec<(String, String)>,
    /// `--help` or `-h` was given.
    pub help: bool,
}

impl Flags {
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        known: &[Flag],
    ) -> Result<Flags, String> {
        let mut flags = Flags::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--help" || arg == "-h" {
                flags.help = true;
                continue;
            }
            let Some(text) = arg.strip_prefix("--") else {
                return Err(format!("unexpected argument '{arg}'"));
            };
            let (name, inline_value) = match text.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (text, None),
            };
            let Some(flag) = known.iter().find(|flag| flag.name == name) else {
                return Err(format!("unknown flag --{name}"));
            };
            if flag.kind != Kind::Repeated && flags.has(name) {
                return Err(format!("--{name} is given more than once"));
            }
            let value = match (flag.kind, inline_value) {
                (Kind::Switch, None) => String::new(),
                (Kind::Switch, Some(_)) => {
                    return Err(format!("--{name} takes no value"));
                }
                (_, Some(value)) => value,
                (_, None) => args
                    .next()
                    .filter(|value| !value.starts_with("--"))
                    .ok_or_else(|| format!("--{name} needs a value"))?,
            };
            flags.given.push((name.to_string(), value));
        }
        Ok(flags)
    }

    pub fn has(&self, name: &str) -> bool {
        self.given.iter().any(|(seen, _)| seen == name)
    }

    /// The value of `--name`; for a repeated flag, the first.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.given
            .iter()
            .find(|(seen, _)| seen == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every flag given and its value (empty for a switch), in order.
    pub fn in_order(&self) -> impl Iterator<Item = (&str, &str)> {
        self.given.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// Every value of `--name`, in the order given.
    pub fn values<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a str> + 'a {
        self.given
            .iter()
            .filter(move |(seen, _)| seen == name)
            .map(|(_, value)| value.as_str())
    }

    /// `--name` as a whole number within `range`, or `default` when it is absent.
    pub fn number(
        &self,
        name: &str,
        default: u64,
        range: RangeInclusive<u64>,
    ) -> Result<u64, String> {
        let Some(text) = self.value(name) else {
            return Ok(default);
        };
        match text.parse::<u64>() {
            Ok(value) if range.contains(&value) => Ok(value),
            _ => Err(format!(
                "--{name} must be a whole number from {} to {}, not '{text}'",
                range.start(),
                range.end()
            )),
        }
    }
}

/// A probability given for `flag`: a finite number from 0 to 1, or below 1
/// when `below_one`. `what` names it in the error.
pub fn rate(
    flag: &str,
    what: &str,
    text: &str,
    below_one: bool,
) -> Result<f64, String> {
    let upper = if below_one { "less than 1" } else { "1" };
    match text.trim().parse::<f64>() {
        // Adding 0.0 turns -0 into 0, so no rate is ever shown as "-0".
        Ok(value)
            if (0.0..=1.0).contains(&value) && !(below_one && value >= 1.0) =>
        {
            Ok(value + 0.0)
        }
        _ => Err(format!(
            "{flag}: {what} must be a number from 0 to {upper}, not '{text}'"
        )),
    }
}

/// `text` with every control character escaped (`\n`, `\t`, `\u{1b}`), so
/// that whatever a user typed prints on one line and moves no cursor.
pub fn one_line(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    shown
}

/// The arguments as strings, or an error naming the first that is not UTF-8.
pub fn utf8_args(
    args: impl IntoIterator<Item = OsString>,
) -> Result<Vec<String>, String> {
    args.into_iter()
        .enumerate()
        .map(|(i, arg)| {
            arg.into_string().map_err(|arg| {
                let shown = arg.to_string_lossy();
                format!("argument {} is not valid UTF-8: '{shown}'", i + 1)
            })
        })
        .collect()
}

/// A section title, underlined to its length.
pub fn heading(out: &mut dyn Write, title: &str) -> io::Result<()> {
    writeln!(out, "{title}\n{}", "=".repeat(title.chars().count()))
}

/// One line on stderr. If stderr cannot be written there is nobody to tell, so
/// the failure is ignored and the caller exits with its code all the same.
pub fn complain(program: &str, problem: &str) {
    let _ = writeln!(io::stderr().lock(), "{program}: {}", one_line(problem));
}

/// What `main` does in both programs: reads the command line, validates it
/// with `configure`, prints `usage` for `--help`, and otherwise calls `run`
/// with stdout. A usage error exits with 2; `run` chooses the other codes.
pub fn run_cli<C>(
    program: &str,
    usage: &str,
    known: &[Flag],
    configure: fn(&Flags) -> Result<C, String>,
    run: fn(&C, &mut dyn Write) -> io::Result<ExitCode>,
) -> ExitCode {
    let parsed = utf8_args(std::env::args_os().skip(1))
        .and_then(|args| Flags::parse(args, known))
        .and_then(|flags| configure(&flags).map(|config| (flags.help, config)));
    let config = match parsed {
        Ok((false, config)) => config,
        Ok((true, _)) => {
            // A closed pipe is not worth an error message for a help text.
            let _ = io::stdout().write_all(usage.as_bytes());
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            complain(program, &format!("{problem} (see {program} --help)"));
            return ExitCode::from(2);
        }
    };
    let mut out = BufWriter::new(io::stdout().lock());
    match run(&config, &mut out).and_then(|code| out.flush().map(|()| code)) {
        Ok(code) => code,
        // `bft_demo | head` closes the pipe early: stop quietly, like other tools.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(error) => {
            complain(program, &error.to_string());
            ExitCode::FAILURE
        }
    }
}

/// `--svg DIR`: a folder that exists; one that does not is a typing
/// mistake more often than a wish, so it is not made.
pub fn svg_dir(flags: &Flags) -> Result<Option<String>, String> {
    let Some(dir) = flags.value("svg") else { return Ok(None) };
    if std::path::Path::new(dir).is_dir() {
        Ok(Some(dir.to_string()))
    } else {
        Err(format!(
            "--svg: '{dir}' is not an existing folder; create it first"
        ))
    }
}

/// Writes `svg` as DIR/NAME; the error names the flag and the file.
pub fn write_svg(dir: &str, name: &str, svg: &str) -> io::Result<()> {
    let path = std::path::Path::new(dir).join(name);
    std::fs::write(&path, svg).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("--svg: cannot write {}: {error}", path.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: [Flag; 3] =
        [Flag::value("seed"), Flag::repeated("cmd"), Flag::switch("quiet")];

    fn parse(args: &[&str]) -> Result<Flags, String> {
        Flags::parse(args.iter().map(|a| (*a).to_string()), &KNOWN)
    }

    #[test]
    fn values_switches_and_repeats() {
        let flags =
            parse(&["--seed=3", "--cmd", "a b", "--quiet", "--cmd=c"]).unwrap();
        assert_eq!(flags.value("seed"), Some("3"));
        assert_eq!(flags.values("cmd").collect::<Vec<_>>(), ["a b", "c"]);
        assert!(flags.has("quiet") && !flags.help);
        assert_eq!(flags.value("missing"), None);
        assert!(parse(&["--seed", "1", "-h"]).unwrap().help);
        assert!(parse(&["--help", "--seed", "1"]).unwrap().help);
    }

    #[test]
    fn every_kind_of_bad_flag_is_named() {
        let cases: [(&[&str], &str); 7] = [
            (&["--seed"], "--seed needs a value"),
            (&["--seed", "--quiet"], "--seed needs a value"),
            (&["--seed", "1", "--seed", "2"], "--seed is given more than once"),
            (&["--quiet", "--quiet"], "--quiet is given more than once"),
            (&["--quiet=yes"], "--quiet takes no value"),
            (&["--verbose"], "unknown flag --verbose"),
            (&["extra"], "unexpected argument 'extra'"),
        ];
        for (args, message) in cases {
            assert_eq!(parse(args), Err(message.to_string()), "{args:?}");
        }
        // --help does not hide a bad argument after it.
        assert_eq!(
            parse(&["--help", "stray"]),
            Err("unexpected argument 'stray'".to_string())
        );
    }

    #[test]
    fn numbers_within_their_range() {
        let flags = parse(&["--seed", "18446744073709551615"]).unwrap();
        assert_eq!(flags.number("seed", 0, 0..=u64::MAX), Ok(u64::MAX));
        assert_eq!(flags.number("other", 7, 0..=9), Ok(7));
        for bad in ["-1", "ten", "18446744073709551616", " 3", ""] {
            let flags = parse(&["--seed", bad]).unwrap();
            assert_eq!(
                flags.number("seed", 0, 1..=9),
                Err(format!(
                    "--seed must be a whole number from 1 to 9, not '{bad}'"
                ))
            );
        }
    }

    #[test]
    fn rates_are_probabilities_and_never_negative_zero() {
        assert_eq!(rate("--x", "it", " 0.25 ", false), Ok(0.25));
        assert_eq!(rate("--x", "it", "1", false), Ok(1.0));
        let zero = rate("--x", "it", "-0", false).unwrap();
        assert!(zero == 0.0 && zero.is_sign_positive());
        assert_eq!(
            rate("--x", "it", "1", true),
            Err("--x: it must be a number from 0 to less than 1, not '1'"
                .into())
        );
        for bad in ["NaN", "inf", "-0.1", "1.01", "", "half"] {
            assert!(rate("--x", "it", bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(one_line("a\nb\tc\u{1b}[2J\r"), "a\\nb\\tc\\u{1b}[2J\\r");
        assert_eq!(one_line("plain é ✓"), "plain é ✓");
        assert_eq!(one_line("\u{7f}\u{85}"), "\\u{7f}\\u{85}");
    }

    #[cfg(unix)]
    #[test]
    fn arguments_that_are_not_utf8_are_named() {
        use std::os::unix::ffi::OsStringExt;
        let args = vec![
            OsString::from("--seed"),
            OsString::from_vec(vec![b'4', 0xFF, b'2']),
        ];
        assert_eq!(
            utf8_args(args),
            Err("argument 2 is not valid UTF-8: '4\u{FFFD}2'".into())
        );
        assert_eq!(
            utf8_args(vec![OsString::from("ok")]),
            Ok(vec!["ok".to_string()])
        );
    }
}
