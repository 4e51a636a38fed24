//! Chapter 4, Example 2: cross-checking language models, simulated or real.
//!
//! Three simulated models, each with an assumed error rate (simulations, not
//! measurements of real products), answer the same code generation tasks.
//! The program compares four strategies: one model alone, two that must
//! agree, a majority of three, and three that must all agree. Every measured
//! rate stands beside the exact rate computed from the error rates. Then it
//! shows what a single error rate hides (accepted, rejected, silent), prices
//! each strategy per delivered answer, adds correlated errors, and charts
//! majority votes over 1 to 15 models.
//!
//! With `--cmd`, it runs real model command lines instead: one vote on a
//! prompt, or an evaluation on a tasks file (`ch04_bft::llm::real`).
//!
//! The lessons live in `ch04_bft::llm`; this file configures and prints. Run
//! it with `make run-ch04-dual` or `make run-ch04-vote`, or
//! `cargo run --release --bin dual_model -- --help`.

use std::io::{self, Write};
use std::process::ExitCode;
use std::thread;

use ch04_bft::cli::{Flag, Flags, heading, rate, run_cli};
use ch04_bft::format::percent;
use ch04_bft::llm::bench::bench;
use ch04_bft::llm::chart::{scaling_svg, write_svg};
use ch04_bft::llm::engine::simulate_parallel;
use ch04_bft::llm::exact::exact_rates_mixed;
use ch04_bft::llm::model::{Difficulty, ModelSpec, Task};
#[cfg(unix)]
use ch04_bft::llm::real::cross_check;
use ch04_bft::llm::real_flags::CMD_FLAGS;
use ch04_bft::llm::report::{
    print_delivered, print_outcomes, print_scaling, print_silent_errors,
    print_tests, print_worked_example,
};
use ch04_bft::llm::rules_report::print_rules_section;
use ch04_bft::llm::scaling::{describe, scaling_curves};
use ch04_bft::llm::simulate::Run;

const USAGE: &str = concat!(
    "\
dual_model: cross-checking language models, simulated or real

Usage: dual_model [simulation options]
       dual_model --cmd CMD [--cmd CMD ...] (--prompt TEXT | --prompt-file FILE)
                  [vote options]
       dual_model --cmd CMD [--cmd CMD ...] --tasks-file FILE [--jobs J]
       dual_model --rescore LOG [reading, check and vote options]

Simulation (the default): models with assumed error rates, not measurements
  --tasks N             tasks to simulate (1 to 1000000000000, default 1000)
                        in sections 2.1 to 2.5; section 2.6 measures its
                        curves over 100000 tasks of its own
  --seed S              generator seed (0 to 18446744073709551615, default 42)
  --models LIST         at least three NAME=RATE pairs, RATE from 0 to 1
                        (default Claude=0.23,GPT-4=0.25,Llama=0.30);
                        the first three are the strategies' models; the
                        first is also the one model asked again and again
                        in section 2.5
  --wrong-variants K    distinct wrong answers a model can give, uniformly
                        (1 to 1000000, default 1: all hallucinations agree)
  --hard-fraction H     share of hard tasks in the correlated setting
                        (0 to less than 1, default 0.1)
  --hard-error E        every model's error on a hard task (0 to 1, default 0.8)
  --threads T           worker threads (1 to 256, default: available cores);
                        the output is the same for every T
  --svg DIR             also write the scaling chart to DIR/majority-scaling.svg
                        (DIR must exist)
  --bench N             instead of the report, time N tasks and print calls/s

",
    ch04_bft::real_models_help!(),
    "  -h, --help            print this help
"
);

/// The simulation's flags.
const FLAGS: [Flag; 9] = [
    Flag::value("tasks"),
    Flag::value("seed"),
    Flag::value("models"),
    Flag::value("wrong-variants"),
    Flag::value("hard-fraction"),
    Flag::value("hard-error"),
    Flag::value("threads"),
    Flag::value("svg"),
    Flag::value("bench"),
];

/// Every flag the program knows: the simulation's and the real models'.
fn all_flags() -> Vec<Flag> {
    [&FLAGS[..], &CMD_FLAGS[..]].concat()
}

/// The simulation, or a cross-check of real models.
#[derive(Debug, Clone)]
enum Mode {
    Simulate(Config),
    #[cfg(unix)]
    CrossCheck(Box<cross_check::CrossCheck>),
}

fn choose_mode(flags: &Flags) -> Result<Mode, String> {
    if flags.has("cmd") || flags.has("rescore") {
        #[cfg(unix)]
        return cross_check::configure(flags, &FLAGS)
            .map(|check| Mode::CrossCheck(Box::new(check)));
        #[cfg(not(unix))]
        return Err("--cmd needs a Unix system (process groups)".to_string());
    }
    let real = CMD_FLAGS.iter().find(|flag| flags.has(flag.name));
    if let Some(flag) = real {
        return Err(format!("--{} needs --cmd", flag.name));
    }
    configure(flags).map(Mode::Simulate)
}

fn run_mode(mode: &Mode, out: &mut dyn Write) -> io::Result<ExitCode> {
    match mode {
        Mode::Simulate(config) => run(config, out),
        #[cfg(unix)]
        Mode::CrossCheck(check) => cross_check::run(check, out),
    }
}

/// What the command line asked for, validated.
#[derive(Debug, Clone, PartialEq)]
struct Config {
    tasks: u64,
    seed: u64,
    models: Vec<ModelSpec>,
    wrong_variants: usize,
    correlated: Difficulty,
    threads: usize,
    svg_dir: Option<String>,
    bench_tasks: Option<u64>,
}

impl Config {
    fn run(&self, difficulty: Difficulty) -> Run<'_> {
        Run {
            models: [&self.models[0], &self.models[1], &self.models[2]],
            difficulty,
            wrong_variants: self.wrong_variants,
            tasks: self.tasks,
            seed: self.seed,
        }
    }
}

fn configure(flags: &Flags) -> Result<Config, String> {
    let models = ModelSpec::parse_list(
        flags.value("models").unwrap_or("Claude=0.23,GPT-4=0.25,Llama=0.30"),
    )?;
    let hard_fraction = rate(
        "--hard-fraction",
        "the share of hard tasks",
        flags.value("hard-fraction").unwrap_or("0.1"),
        true,
    )?;
    let hard_error = rate(
        "--hard-error",
        "the hard-task error",
        flags.value("hard-error").unwrap_or("0.8"),
        false,
    )?;
    let correlated = Difficulty { hard_fraction, hard_error };
    if let Some(model) =
        models.iter().find(|m| correlated.easy_error(m.error_rate).is_none())
    {
        return Err(format!(
            "--hard-fraction {hard_fraction} with --hard-error {hard_error} cannot keep {}'s error rate at {}: \
             its easy-task rate would leave [0, 1]",
            model.name, model.error_rate
        ));
    }
    let available =
        thread::available_parallelism().map_or(1, usize::from).min(256);
    let to_usize = |n: u64| {
        usize::try_from(n)
            .map_err(|_| "this number does not fit in memory".to_string())
    };
    Ok(Config {
        tasks: flags.number("tasks", 1000, 1..=1_000_000_000_000)?,
        seed: flags.number("seed", 42, 0..=u64::MAX)?,
        models,
        wrong_variants: to_usize(flags.number(
            "wrong-variants",
            1,
            1..=1_000_000,
        )?)?,
        correlated,
        threads: to_usize(flags.number(
            "threads",
            available as u64,
            1..=256,
        )?)?,
        svg_dir: ch04_bft::cli::svg_dir(flags)?,
        bench_tasks: flags
            .value("bench")
            .map(|_| flags.number("bench", 0, 1..=1_000_000_000_000))
            .transpose()?,
    })
}

fn run(config: &Config, out: &mut dyn Write) -> io::Result<ExitCode> {
    if let Some(tasks) = config.bench_tasks {
        let run = config.run(Difficulty::INDEPENDENT);
        bench(
            run.models,
            config.seed,
            config.correlated,
            config.threads,
            tasks,
            out,
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let independent = config.run(Difficulty::INDEPENDENT);
    let correlated = config.run(config.correlated);
    let first_error = config.models[0].error_rate;
    let curves = scaling_curves(first_error, config.correlated, config.seed);
    if let Some(dir) = &config.svg_dir {
        // Written before any output, so a bad --svg leaves stdout empty.
        write_svg(dir, &scaling_svg(first_error, &curves))?;
    }
    let independent_tally = simulate_parallel(&independent, config.threads);
    let exact = exact_rates_mixed(&independent);
    let exact_correlated = exact_rates_mixed(&correlated);
    // Silent errors with another number of wrong answers: 3, or 1 when the
    // run has 3 already.
    let other_k = if config.wrong_variants == 3 { 1 } else { 3 };
    let other = Run { wrong_variants: other_k, ..independent.clone() };
    let exact_other_k = exact_rates_mixed(&other);

    writeln!(out, "Chapter 4, Example 2: cross-checking simulated models")?;
    writeln!(out)?;
    heading(out, "2.1 One, two and three models")?;
    print_setup(out, config)?;
    writeln!(out)?;
    print_tests(out, &independent_tally, &exact)?;
    let rates = independent.models.map(|m| m.error_rate);
    print_worked_example(out, rates, &exact)?;
    writeln!(out)?;
    heading(out, "2.2 What an error rate hides")?;
    writeln!(
        out,
        "Each task is accepted and correct, rejected (caught: it can be"
    )?;
    writeln!(
        out,
        "retried or go to a person), or a silent error (accepted, wrong)."
    )?;
    print_outcomes(out, &independent_tally, &exact)?;
    writeln!(out)?;
    heading(out, "2.3 Correlated errors")?;
    let mix = describe(config.correlated);
    for line in [
        &format!("With {mix}, errors come together;"),
        "each model's overall error rate stays what it was.",
        "Only the middle column has hard tasks.",
    ] {
        writeln!(out, "{line}")?;
    }
    let k = config.wrong_variants;
    let titles = [
        format!("K = {k}"),
        format!("hard, K = {k}"),
        format!("K = {other_k}"),
    ];
    print_silent_errors(
        out,
        [
            (titles[0].as_str(), exact),
            (titles[1].as_str(), exact_correlated),
            (titles[2].as_str(), exact_other_k),
        ],
    )?;
    writeln!(out)?;
    heading(out, "2.4 The cost of a delivered answer")?;
    print_delivered(out, &exact)?;
    writeln!(out)?;
    print_rules_section(
        out,
        &config.models,
        config.correlated,
        config.wrong_variants,
        config.tasks,
        config.seed,
        config.threads,
    )?;
    writeln!(out)?;
    heading(out, "2.6 Majority votes over more models")?;
    print_scaling(out, first_error, &curves)?;
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    // Logs and reports may meet `ulimit -f`, threads `ulimit -v`: each must
    // end in an error that is reported, not a silent death or an abort.
    #[cfg(unix)]
    ch04_bft::restart::under_limits(
        &std::env::args_os().skip(1).collect::<Vec<_>>(),
    );
    run_cli("dual_model", USAGE, &all_flags(), choose_mode, run_mode)
}

// ============================================================================
// Printing
// ============================================================================

fn print_setup(out: &mut dyn Write, config: &Config) -> io::Result<()> {
    writeln!(
        out,
        "Simulated models with assumed error rates, not measurements:"
    )?;
    let models: Vec<String> = config
        .models
        .iter()
        .map(|m| format!("{} {}", m.name, percent(m.error_rate, 2)))
        .collect();
    writeln!(out, "   {}", models[..3].join(", "))?;
    if models.len() > 3 {
        writeln!(out, "   (also given, not used: {})", models[3..].join(", "))?;
    }
    let variants = match config.wrong_variants {
        1 => "K = 1 wrong answer: every mistake is the same one".to_string(),
        k => format!("K = {k} wrong answers, each equally likely"),
    };
    writeln!(out, "   {} tasks, seed {};", config.tasks, config.seed)?;
    writeln!(out, "   {variants}")?;
    writeln!(out, "The first task as the models answer it:")?;
    let run = config.run(Difficulty::INDEPENDENT);
    let models = run.llms();
    for id in 0..config.tasks.min(1) {
        for model in &models {
            let result = model.generate_code(Task { id, hard: false });
            writeln!(out, "   {:<8} {}", result.model, result.code())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: &[&str]) -> Result<Config, String> {
        let args = args.iter().map(|a| (*a).to_string());
        configure(&Flags::parse(args, &FLAGS)?)
    }

    /// The help is typed by hand: it must state the ranges and defaults that
    /// `configure` applies, so that neither changes alone.
    #[test]
    fn help_states_the_ranges_and_defaults_the_code_uses() {
        let flags = [
            "--tasks",
            "--seed",
            "--wrong-variants",
            "--threads",
            "--hard-fraction",
            "--hard-error",
        ];
        for flag in flags {
            // The error for a value out of range names the range the code checks.
            let error = config(&[flag, "-1"]).unwrap_err();
            let range = error
                .split(" from ")
                .nth(1)
                .and_then(|rest| rest.split(", not").next());
            let stated = format!(
                "({}, default",
                range.unwrap_or_else(|| panic!("{error}"))
            );
            assert!(
                USAGE.contains(&stated),
                "{flag}: the help does not say '{stated}'"
            );
        }
        let defaults = config(&[]).unwrap();
        let models: Vec<String> = defaults
            .models
            .iter()
            .map(|m| format!("{}={:.2}", m.name, m.error_rate))
            .collect();
        for stated in [
            format!("default {})", defaults.tasks),
            format!("default {})", defaults.seed),
            format!("(default {});", models.join(",")),
            format!("default {}:", defaults.wrong_variants),
            format!("default {})", defaults.correlated.hard_fraction),
            format!("default {})", defaults.correlated.hard_error),
        ] {
            assert!(
                USAGE.contains(&stated),
                "the help does not say '{stated}'"
            );
        }
    }

    #[test]
    fn bad_input_is_named() {
        let cases: [(&[&str], &str); 17] = [
            (
                &["--tasks", "0"],
                "--tasks must be a whole number from 1 to 1000000000000, not '0'",
            ),
            (
                &["--tasks", "-5"],
                "--tasks must be a whole number from 1 to 1000000000000, not '-5'",
            ),
            (
                &["--tasks", "many"],
                "--tasks must be a whole number from 1 to 1000000000000, not 'many'",
            ),
            (
                &["--tasks", "99999999999999999999"],
                "--tasks must be a whole number from 1 to 1000000000000, not '99999999999999999999'",
            ),
            (
                &["--models", "A=0.1,B=1.5,C=0.2"],
                "--models: the rate of B must be a number from 0 to 1, not '1.5'",
            ),
            (
                &["--models", "A=NaN,B=0.1,C=0.2"],
                "--models: the rate of A must be a number from 0 to 1, not 'NaN'",
            ),
            (
                &["--models", "A=0.1,B=0.2"],
                "--models needs at least three models, got 2",
            ),
            (
                &["--models", "A=0.1,=0.2,C=0.3"],
                "--models: model name '' must have 1 to 16 printable characters",
            ),
            (&["--models", "A=0.1,B,C=0.3"], "--models: 'B' is not NAME=RATE"),
            (
                &["--models", "A=0.1,A=0.2,C=0.3"],
                "--models: model name 'A' is given twice",
            ),
            (
                &["--hard-fraction", "1"],
                "--hard-fraction: the share of hard tasks must be a number from 0 to less than 1, not '1'",
            ),
            (
                &["--hard-error", "inf"],
                "--hard-error: the hard-task error must be a number from 0 to 1, not 'inf'",
            ),
            (
                &["--hard-fraction", "0.5"],
                "--hard-fraction 0.5 with --hard-error 0.8 cannot keep Claude's error rate at 0.23: its easy-task rate would leave [0, 1]",
            ),
            (
                &["--wrong-variants", "0"],
                "--wrong-variants must be a whole number from 1 to 1000000, not '0'",
            ),
            (
                &["--threads", "257"],
                "--threads must be a whole number from 1 to 256, not '257'",
            ),
            (&["--seed"], "--seed needs a value"),
            (
                &["--tasks", "1", "--tasks", "2"],
                "--tasks is given more than once",
            ),
        ];
        for (args, message) in cases {
            assert_eq!(config(args), Err(message.to_string()), "{args:?}");
        }
        assert_eq!(config(&["--fast"]), Err("unknown flag --fast".to_string()));
        let custom = config(&[
            "--models=X=0,Y=1,Z=0.5,W=0.1",
            "--tasks=10",
            "--wrong-variants",
            "3",
            "--hard-fraction=0",
        ])
        .unwrap();
        assert_eq!(custom.models.len(), 4);
        assert_eq!(
            (custom.models[1].error_rate, custom.tasks, custom.wrong_variants),
            (1.0, 10, 3)
        );
    }
}
