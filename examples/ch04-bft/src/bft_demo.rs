//! Chapter 4, Example 1: Byzantine fault tolerance by vote, and why it takes
//! 3f + 1 nodes.
//!
//! Part 1 is the classic picture (`bft::vote`): n = 3f + 1 nodes answer a
//! question, up to f of them lie, and an answer is accepted once 2f + 1 agree.
//! Part 2 shows where the bound 3f + 1 comes from: Oral Messages OM(m)
//! (`bft::oral_messages`, `bft::om_search`) against every strategy of one
//! traitor and random strategies of two, and PBFT's quorums (`bft::quorum`).
//! Part 3 maps the generals onto language models.
//!
//! This file only configures and prints. Run it with `make run-ch04-bft`, or
//! `cargo run --release --bin bft_demo -- --help`.

use std::io::{self, Write};
use std::process::ExitCode;

use ch04_bft::bft::om_search::{
    TraitorStrategy, om_randomized, om1_exhaustive,
};
use ch04_bft::bft::oral_messages::{om_message_formula, om_messages_counted};
use ch04_bft::bft::quorum::quorum_check;
use ch04_bft::bft::vote::{
    BftConsensus, SCENARIOS, Verdict, honest_answer, verdict,
};
use ch04_bft::cli::{Flag, Flags, heading, run_cli};

fn node_name(node: usize) -> String {
    if node == 0 { "C".to_string() } else { format!("L{node}") }
}

fn print_scenarios(out: &mut dyn Write) -> io::Result<()> {
    heading(out, "Part 1: majority vote among n = 3f + 1 nodes")?;
    for (number, scenario) in SCENARIOS.iter().enumerate() {
        let group = scenario.group();
        let status = group.status();
        let f = group.fault_tolerance;
        let result = group.consensus(scenario.input);
        writeln!(out)?;
        writeln!(
            out,
            "Test {}: {} Byzantine of {} nodes (built to tolerate f = {f})",
            number + 1,
            status.byzantine,
            status.total
        )?;
        writeln!(
            out,
            "   Nodes: {} total ({} honest, {} Byzantine)",
            status.total, status.honest, status.byzantine
        )?;
        writeln!(out, "   Fault tolerance: f = {f}")?;
        writeln!(
            out,
            "   Threshold for consensus: {} votes (2f + 1)",
            group.threshold()
        )?;
        writeln!(out, "   Input: {}", scenario.input)?;
        writeln!(
            out,
            "   Expected: {} (input * 2)",
            honest_answer(scenario.input)
        )?;
        let votes: Vec<String> = group
            .tally(scenario.input)
            .iter()
            .map(|(answer, count)| format!("{answer} x{count}"))
            .collect();
        writeln!(out, "   Votes: {}", votes.join(", "))?;
        writeln!(out, "   Result: {result:?}")?;
        let line = match verdict(result, scenario.input) {
            Verdict::Correct => {
                "   OK: consensus on the correct answer".to_string()
            }
            Verdict::NoConsensus => format!(
                "   STOP: no answer reached {} votes; the system refuses rather than guess",
                group.threshold()
            ),
            Verdict::AgreedOnALie => format!(
                "   DANGER: consensus on a WRONG answer: {} colluding nodes > f = {f}",
                status.byzantine
            ),
        };
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    writeln!(out, "The 3f + 1 rule, read off BftConsensus::new(f):")?;
    writeln!(out, "   f   nodes (3f + 1)   threshold (2f + 1)")?;
    for f in 1..=3 {
        let group = BftConsensus::new(f);
        writeln!(
            out,
            "   {f}   {:>14}   {:>18}",
            group.node_count(),
            group.threshold()
        )?;
    }
    Ok(())
}

fn print_violating_run(
    out: &mut dyn Write,
    n: usize,
    strategy: TraitorStrategy,
) -> io::Result<()> {
    let run = strategy.run(n, true);
    writeln!(
        out,
        "   Traitor: {}; the commander holds {}",
        node_name(strategy.traitor),
        strategy.order
    )?;
    for msg in &run.transcript {
        let note = if msg.sent == msg.truth {
            String::new()
        } else {
            format!("   <- a lie: the truth is {}", msg.truth)
        };
        writeln!(
            out,
            "   round {}: {} -> {}: {}{note}",
            msg.round,
            node_name(msg.from),
            node_name(msg.to),
            msg.sent
        )?;
    }
    for lieutenant in (1..n).filter(|&l| l != strategy.traitor) {
        let heard: Vec<String> = run
            .transcript
            .iter()
            .filter(|msg| msg.to == lieutenant)
            .map(|msg| msg.sent.to_string())
            .collect();
        writeln!(
            out,
            "   {} (loyal) heard {} and decides {}",
            node_name(lieutenant),
            heard.join(", "),
            run.decisions[lieutenant - 1]
        )?;
    }
    if !run.consistency.ic1 {
        writeln!(out, "   IC1 violated: loyal lieutenants decide differently")?;
    }
    if !run.consistency.ic2 {
        writeln!(
            out,
            "   IC2 violated: the loyal commander ordered {}; a loyal lieutenant did not follow",
            strategy.order
        )?;
    }
    Ok(())
}

fn print_why_3f_plus_1(out: &mut dyn Write, config: &Config) -> io::Result<()> {
    heading(out, "Part 2: why 3f + 1 and not 2f + 1")?;
    writeln!(
        out,
        "In Part 1 every Byzantine node tells one trusted counter the same lie, so a"
    )?;
    writeln!(
        out,
        "plain majority (f + 1 of 2f + 1) would already win. The bound 3f + 1 comes"
    )?;
    writeln!(
        out,
        "from equivocation: a traitor tells different nodes different things, and no"
    )?;
    writeln!(out, "one counts the votes for everyone.")?;
    writeln!(out)?;
    writeln!(
        out,
        "Oral Messages OM(1), one traitor, every strategy (exhaustive):"
    )?;
    writeln!(out, "   n   strategies   IC1 violated   IC2 violated")?;
    let searches = [om1_exhaustive(3), om1_exhaustive(4)];
    for search in &searches {
        writeln!(
            out,
            "   {}   {:>10}   {:>12}   {:>12}",
            search.n,
            search.strategies,
            search.ic1_violations,
            search.ic2_violations
        )?;
    }
    for search in &searches {
        if let Some(strategy) = search.first_violation {
            writeln!(out)?;
            writeln!(out, "First violating run found for n = {}:", search.n)?;
            print_violating_run(out, search.n, strategy)?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "OM(2), two traitors, {} random strategies per n (randomized, seed {}):",
        config.trials, config.seed
    )?;
    writeln!(
        out,
        "   n   trials   IC1 violated   IC2 violated   any violated"
    )?;
    for n in [6, 7] {
        let r = om_randomized(n, 2, 2, config.trials, config.seed);
        writeln!(
            out,
            "   {n}   {:>6}   {:>12}   {:>12}   {:>12}",
            r.trials, r.ic1_violations, r.ic2_violations, r.violations
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Messages OM(m) sends, counted in the simulation and by formula:"
    )?;
    writeln!(out, "    n   m   counted   (n-1) + (n-1)(n-2) + ...")?;
    for (n, m) in [(4, 1), (7, 2), (10, 3)] {
        writeln!(
            out,
            "   {n:>2}   {m}   {:>7}   {:>7}",
            om_messages_counted(n, m),
            om_message_formula(n as u64, m as u64)
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Quorum intersection (PBFT): quorums of q = n - f, every pair, every faulty set:"
    )?;
    writeln!(
        out,
        "    n   f    q   quorum pairs   smallest overlap   conflicting decisions possible"
    )?;
    for f in 1..=3 {
        for n in [3 * f, 3 * f + 1] {
            let c = quorum_check(n, f);
            let possible = if c.split_cases > 0 {
                format!("yes ({} cases)", c.split_cases)
            } else {
                "no".to_string()
            };
            writeln!(
                out,
                "   {:>2}   {}   {:>2}   {:>12}   {:>16}   {possible}",
                c.n, c.f, c.quorum, c.quorum_pairs, c.smallest_overlap
            )?;
        }
    }
    Ok(())
}

fn print_llm_mapping(out: &mut dyn Write) -> io::Result<()> {
    heading(out, "Part 3: from generals to language models")?;
    for line in [
        "- A node is one model call; a Byzantine node is a call that returns a confident",
        "  wrong answer (a hallucination). It need not be malicious to be Byzantine.",
        "- The vote counter is the orchestrator. It sees every answer itself, so Part 1",
        "  applies: a majority of honest answers wins, and too many agreeing wrong",
        "  answers win too (Test 5). A vote cannot tell a shared mistake from the truth.",
        "- Agents that relay results to each other, with no one checking what each one",
        "  told the others, are in Part 2: they need n > 3f, as OM(1) shows at n = 3.",
        "- Models trained on similar data fail on the same inputs. The f-of-n count",
        "  assumes independent failures; Example 2 (dual_model) measures what",
        "  correlation does to a vote.",
        "",
        "EU AI Act (Regulation (EU) 2024/1689), where this design can contribute:",
        "- Article 15 (accuracy, robustness): redundancy through independent checks,",
        "  and a stop instead of a guess when they disagree.",
        "- Article 12 (record-keeping): every vote and its tally can be logged.",
        "- Article 14 (human oversight): a task with no consensus goes to a person.",
        "- Article 9 (risk management): error and rejection rates that are measured",
        "  and computed, as Example 2 does, feed the risk assessment.",
        "A voting scheme supports these duties; it does not by itself make a system",
        "compliant.",
        "",
        "Key takeaway: with n = 3f + 1 nodes and a threshold of 2f + 1 votes, up to f",
        "faulty nodes cannot change the answer; beyond f they can block it, and beyond",
        "2f they can decide it. Safety against equivocating nodes needs n > 3f.",
    ] {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

// ============================================================================
// Command line
// ============================================================================

const USAGE: &str = "\
bft_demo: Byzantine fault tolerance by vote, and why it takes 3f + 1 nodes

Usage: bft_demo [--trials N] [--seed S]

Options:
  --trials N   random two-traitor strategies tried per n for OM(2)
               (1 to 1000000, default 10000)
  --seed S     seed of the random strategies (0 to 18446744073709551615,
               default 1982)
  -h, --help   print this help
";

const FLAGS: [Flag; 2] = [Flag::value("trials"), Flag::value("seed")];

/// What the command line asked for, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Config {
    trials: u64,
    seed: u64,
}

fn configure(flags: &Flags) -> Result<Config, String> {
    Ok(Config {
        trials: flags.number("trials", 10_000, 1..=1_000_000)?,
        seed: flags.number("seed", 1982, 0..=u64::MAX)?,
    })
}

fn run(config: &Config, out: &mut dyn Write) -> io::Result<ExitCode> {
    writeln!(out, "Chapter 4, Example 1: Byzantine fault tolerance")?;
    writeln!(out)?;
    print_scenarios(out)?;
    writeln!(out)?;
    print_why_3f_plus_1(out, config)?;
    writeln!(out)?;
    print_llm_mapping(out)?;
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    run_cli("bft_demo", USAGE, &FLAGS, configure, run)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<(bool, Config), String> {
        let args = args.iter().map(|a| (*a).to_string());
        let flags = Flags::parse(args, &FLAGS)?;
        configure(&flags).map(|config| (flags.help, config))
    }

    /// The help is typed by hand: it must state the ranges and defaults that
    /// `configure` applies, so that neither changes alone.
    #[test]
    fn help_states_the_ranges_and_defaults_the_code_uses() {
        for flag in ["--trials", "--seed"] {
            // The error for a value out of range names the range the code checks.
            let error = parse(&[flag, "-1"]).unwrap_err();
            let range = error
                .split(" from ")
                .nth(1)
                .and_then(|rest| rest.split(", not").next());
            let stated =
                format!("({},", range.unwrap_or_else(|| panic!("{error}")));
            assert!(
                USAGE.contains(&stated),
                "{flag}: the help does not say '{stated}'"
            );
        }
        let (_, defaults) = parse(&[]).unwrap();
        for stated in [
            format!("default {})", defaults.trials),
            format!("default {})", defaults.seed),
        ] {
            assert!(
                USAGE.contains(&stated),
                "the help does not say '{stated}'"
            );
        }
    }

    #[test]
    fn flags_parse_and_bad_input_is_named() {
        assert_eq!(
            parse(&[]),
            Ok((false, Config { trials: 10_000, seed: 1982 }))
        );
        assert_eq!(
            parse(&["--trials", "5", "--seed=0"]),
            Ok((false, Config { trials: 5, seed: 0 }))
        );
        assert_eq!(
            parse(&["--seed", "18446744073709551615"]).unwrap().1.seed,
            u64::MAX
        );
        // --help prints the help only when the rest is valid.
        assert_eq!(
            parse(&["--trials", "1", "--help"]),
            Ok((true, Config { trials: 1, seed: 1982 }))
        );
        let cases = [
            (
                &["--trials", "0"][..],
                "--trials must be a whole number from 1 to 1000000, not '0'",
            ),
            (
                &["--trials", "-3"],
                "--trials must be a whole number from 1 to 1000000, not '-3'",
            ),
            (
                &["--trials", "ten"],
                "--trials must be a whole number from 1 to 1000000, not 'ten'",
            ),
            (
                &["--seed", "18446744073709551616"],
                "--seed must be a whole number from 0 to 18446744073709551615, not '18446744073709551616'",
            ),
            (&["--trials"], "--trials needs a value"),
            (&["--trials", "--seed", "3"], "--trials needs a value"),
            (&["--seed", "1", "--seed", "2"], "--seed is given more than once"),
            (&["--verbose"], "unknown flag --verbose"),
            (&["extra"], "unexpected argument 'extra'"),
            (
                &["--help", "--trials", "0"],
                "--trials must be a whole number from 1 to 1000000, not '0'",
            ),
        ];
        for (args, message) in cases {
            assert_eq!(parse(args), Err(message.to_string()), "{args:?}");
        }
    }

    #[test]
    fn the_report_shows_what_the_functions_compute() {
        let mut out = Vec::new();
        run(&Config { trials: 100, seed: 1982 }, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let quorum = quorum_check(7, 2);
        let row = format!(
            "    7   2    5   {:>12}   {:>16}   no",
            quorum.quorum_pairs, quorum.smallest_overlap
        );
        assert!(text.contains(&row), "{text}");
        let search = om1_exhaustive(3);
        assert!(text.contains(&format!(
            "   3   {:>10}   {:>12}   {:>12}",
            search.strategies, 0, 2
        )));
        assert!(text.contains(
            "DANGER: consensus on a WRONG answer: 3 colluding nodes > f = 1"
        ));
    }
}
