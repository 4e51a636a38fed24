//! Chapter 4, Example 1: Byzantine fault tolerance by vote, and why it takes
//! 3f + 1 nodes.
//!
//! Section 1.1 is the classic picture (`bft::vote`): n = 3f + 1 nodes answer
//! a question, up to f of them lie, and an answer is accepted once 2f + 1
//! agree; with one trusted counter, 2f + 1 nodes would do. Section 1.2 shows
//! where the bound 3f + 1 comes from: Oral Messages OM(m)
//! (`bft::oral_messages`, `bft::om_search`) against every strategy of one
//! traitor and random strategies of two; section 1.3, PBFT's quorums
//! (`bft::quorum`). Sections 1.4 to 1.7 run PBFT, where the one who counts
//! may lie too (`bft::pbft`, `bft::pbft_sim`, `bft::pbft_search`), and
//! section 1.8 maps the generals onto language models.
//!
//! This file only configures and prints. Run it with `make run-ch04-bft`, or
//! `cargo run --release --bin bft_demo -- --help`.

use std::io::{self, Write};
use std::process::ExitCode;

use ch04_bft::bft::om_search::{
    TraitorStrategy, om_randomized, om1_exhaustive,
};
use ch04_bft::bft::oral_messages::Order;
use ch04_bft::bft::pbft_report::{
    print_messages, print_normal_case, print_scenario, print_search,
    print_view_change, write_diagrams,
};
use ch04_bft::bft::pbft_scenario::{Scenario, scenario};
use ch04_bft::bft::quorum::quorum_check;
use ch04_bft::bft::vote::{
    Answer, BftConsensus, LIE_OFFSET, SCENARIOS, Verdict, nodes,
    plain_majority, tally, verdict,
};
use ch04_bft::cli::{Flag, Flags, heading, run_cli};

fn node_name(node: usize) -> String {
    if node == 0 { "C".to_string() } else { format!("L{node}") }
}

fn votes(tally: &[(Answer, usize)]) -> String {
    let votes: Vec<String> = tally
        .iter()
        .map(|(answer, count)| format!("{answer} x{count}"))
        .collect();
    votes.join(", ")
}

fn print_scenarios(out: &mut dyn Write) -> io::Result<()> {
    heading(out, "1.1 A vote among n = 3f + 1 nodes")?;
    writeln!(out, "Honest nodes answer 2 x input; Byzantine nodes all answer")?;
    writeln!(out, "2 x input + {LIE_OFFSET}. An answer needs 2f + 1 votes.")?;
    for (number, scenario) in SCENARIOS.iter().enumerate() {
        let group = scenario.group();
        let (status, f) = (group.status(), group.fault_tolerance);
        let result = group.consensus(scenario.input);
        writeln!(
            out,
            "Test {}: {} nodes (f = {f}), {} Byzantine, threshold {}",
            number + 1,
            status.total,
            status.byzantine,
            group.threshold()
        )?;
        let input = scenario.input;
        writeln!(
            out,
            "   votes on input {input}: {}",
            votes(&group.tally(input))
        )?;
        let line = match (verdict(result, input), result) {
            (Verdict::Correct, Some(answer)) => {
                format!("   OK: consensus on the correct answer, {answer}")
            }
            (Verdict::AgreedOnALie, Some(answer)) => format!(
                "   DANGER: consensus on a wrong answer, {answer}:\n   \
                 {} liars, more than 2f = {}",
                status.byzantine,
                2 * f
            ),
            _ => format!(
                "   STOP: no answer has {} votes: {} liars, more than f, block it",
                group.threshold(),
                status.byzantine
            ),
        };
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "One trusted counter sees every answer here, so n = 2f + 1 would"
    )?;
    writeln!(out, "do, with a plain majority (f + 1 votes):")?;
    // f liars, then f + 1, among 2f + 1 nodes, on the first scenario's input.
    let (f, input) = (1, SCENARIOS[0].input);
    let n = 2 * f + 1;
    for byzantine in [f, f + 1] {
        let group = nodes(n, byzantine);
        let result = plain_majority(&group, input)
            .map_or("no majority".to_string(), |answer| answer.to_string());
        writeln!(
            out,
            "   {n} nodes (f = {f}), {byzantine} Byzantine: votes {} -> {result}",
            votes(&tally(&group, input))
        )?;
    }
    writeln!(out)?;
    writeln!(out, "The 3f + 1 rule, read off BftConsensus::new(f):")?;
    writeln!(out, "   f   nodes (3f + 1)   threshold (2f + 1)")?;
    for f in 1..=3 {
        let group = BftConsensus::new(f);
        let (n, t) = (group.node_count(), group.threshold());
        writeln!(out, "   {f}   {n:>14}   {t:>18}")?;
    }
    Ok(())
}

/// One run of OM(1): what each loyal lieutenant heard, from whom, and what
/// it decided; lies marked. Then which conditions held.
fn print_run(
    out: &mut dyn Write,
    n: usize,
    strategy: TraitorStrategy,
) -> io::Result<()> {
    let run = strategy.run(n, true);
    let traitor = node_name(strategy.traitor);
    writeln!(
        out,
        "n = {n}, the traitor is {traitor}, the commander holds {}:",
        strategy.order
    )?;
    for lieutenant in (1..n).filter(|&l| l != strategy.traitor) {
        let heard: Vec<String> = run
            .transcript
            .iter()
            .filter(|msg| msg.to == lieutenant)
            .map(|msg| {
                let lie = if msg.sent == msg.truth { "" } else { "!" };
                format!("{}{lie} from {}", msg.sent, node_name(msg.from))
            })
            .collect();
        writeln!(
            out,
            "   L{lieutenant}: {} -> {}",
            heard.join(", "),
            run.decisions[lieutenant - 1]
        )?;
    }
    let ok = run.consistency;
    let ic2 = match (strategy.traitor == 0, ok.ic2) {
        (true, _) => "IC2 does not apply (the commander is the traitor)",
        (false, true) => "IC2 holds",
        (false, false) => "IC2 VIOLATED: a loyal lieutenant disobeyed",
    };
    let ic1 = if ok.ic1 { "IC1 holds" } else { "IC1 VIOLATED" };
    writeln!(out, "   {ic1}; {ic2}")
}

fn print_why_3f_plus_1(out: &mut dyn Write, config: &Config) -> io::Result<()> {
    heading(out, "1.2 Why 3f + 1 and not 2f + 1")?;
    for line in [
        "With no trusted counter, a traitor can tell each node something",
        "else. Oral Messages OM(m): commander C sends an order to L1, L2,",
        "...; each relays what it got, then decides by majority (ties:",
        "RETREAT).",
        "IC1: all loyal lieutenants decide alike.",
        "IC2: if the commander is loyal, every loyal lieutenant obeys it.",
        "",
        "OM(1) against every strategy of one traitor (exhaustive):",
        "   n   strategies   IC1 violated   IC2 violated",
    ] {
        writeln!(out, "{line}")?;
    }
    let searches = [om1_exhaustive(3), om1_exhaustive(4)];
    for s in &searches {
        let (n, runs) = (s.n, s.strategies);
        let (ic1, ic2) = (s.ic1_violations, s.ic2_violations);
        writeln!(out, "   {n}   {runs:>10}   {ic1:>12}   {ic2:>12}")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "In the runs below, \"RETREAT!\" is a lie; \"->\" the decision."
    )?;
    if let Some(strategy) = searches[0].first_violation {
        print_run(out, 3, strategy)?;
    }
    // At n = 4, the same traitor lieutenant, and a traitor commander that
    // sends ATTACK to L1 and L2 but RETREAT to L3 (bits 0 and 1 of `lies`).
    let lieutenant =
        TraitorStrategy { traitor: 1, order: Order::Attack, lies: 0 };
    let commander =
        TraitorStrategy { traitor: 0, order: Order::Attack, lies: 0b011 };
    print_run(out, 4, lieutenant)?;
    print_run(out, 4, commander)?;
    writeln!(out)?;
    writeln!(
        out,
        "OM(2), two traitors, {} random strategies (seed {}):",
        config.trials, config.seed
    )?;
    writeln!(out, "   n   IC1 violated   IC2 violated   any violated")?;
    for n in [6, 7] {
        let r = om_randomized(n, 2, 2, config.trials, config.seed);
        let (ic1, ic2, any) =
            (r.ic1_violations, r.ic2_violations, r.violations);
        writeln!(out, "   {n}   {ic1:>12}   {ic2:>12}   {any:>12}")?;
    }
    // The messages OM(m) sends are counted in section 1.7, beside PBFT's.
    Ok(())
}

fn print_quorums(out: &mut dyn Write) -> io::Result<()> {
    heading(out, "1.3 Quorums in PBFT")?;
    writeln!(
        out,
        "PBFT quorums of q = n - f: every pair, against every faulty set:"
    )?;
    writeln!(
        out,
        "   n  f   q  pairs  smallest overlap  two decisions possible"
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
                "  {:>2}  {}  {:>2}  {:>5}  {:>16}  {possible}",
                c.n, c.f, c.quorum, c.quorum_pairs, c.smallest_overlap
            )?;
        }
    }
    Ok(())
}

fn print_llm_mapping(out: &mut dyn Write) -> io::Result<()> {
    heading(out, "1.8 From generals to language models")?;
    for line in [
        "- A node is one model call; a Byzantine node is a call that returns a",
        "  confident wrong answer. It need not be malicious to be Byzantine.",
        "- An orchestrator that sees every answer is a trusted counter (1.1):",
        "  a majority of 2f + 1 calls tolerates f wrong ones, and wrong",
        "  answers that agree and outnumber the rest win, as in Test 5.",
        "- Agents that relay results to each other, with no one checking what",
        "  each told the others, are generals (1.2, 1.3): they need n > 3f",
        "  (with unsigned messages).",
        "- A coordinator agent that can lie is a primary (1.4 to 1.7): it",
        "  needs n = 3f + 1 peers that check it, and a way to replace it.",
        "- The f-of-n count assumes independent failures. Models fail together;",
        "  Example 2 (dual_model) measures what that does to a vote.",
    ] {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

const USAGE: &str = "\
bft_demo: Byzantine fault tolerance by vote, and why it takes 3f + 1 nodes

Usage: bft_demo [--trials N] [--seed S] [--svg DIR]
       bft_demo --pbft N [--byzantine LIST] [--network NET] [--seed S]

Options:
  --trials N   random two-traitor strategies tried per n for OM(2), and
               runs of the PBFT search at n = 4 and n = 3, a fifth of
               them at n = 7 (1 to 1000000, default 10000)
  --seed S     seed of the random strategies and of PBFT's network
               (0 to 18446744073709551615, default 1982)
  --svg DIR    also draw the PBFT runs of 1.4 to 1.6 as space-time
               diagrams, DIR/pbft-*.svg (DIR must exist)
  -h, --help   print this help

One PBFT run instead of the report, with its trace:
  --pbft N          replicas (3 to 10); f = (N - 1) / 3, at least 1, and
                    quorums of N - f
  --byzantine LIST  who lies and how, as ID=HOW pairs (0=equivocating,2=silent);
                    HOW: silent, equivocating, echoing, hiding, replaying,
                    usurping (default: what the search draws from the seed)
  --network NET     hostile, the search's (default), or fair
";

const FLAGS: [Flag; 6] = [
    Flag::value("svg"),
    Flag::value("trials"),
    Flag::value("seed"),
    Flag::value("pbft"),
    Flag::value("byzantine"),
    Flag::value("network"),
];

/// What the command line asked for, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Config {
    trials: u64,
    seed: u64,
    scenario: Option<Scenario>,
    svg_dir: Option<String>,
}

fn configure(flags: &Flags) -> Result<Config, String> {
    let seed = flags.number("seed", 1982, 0..=u64::MAX)?;
    let scenario = if flags.has("pbft") {
        Some(scenario(flags, seed)?)
    } else {
        for flag in ["byzantine", "network"] {
            if flags.has(flag) {
                return Err(format!("--{flag} is for a run of --pbft N"));
            }
        }
        None
    };
    if scenario.is_some() && flags.has("svg") {
        return Err(
            "--svg is for the report, not for a run of --pbft N".to_string()
        );
    }
    Ok(Config {
        trials: flags.number("trials", 10_000, 1..=1_000_000)?,
        seed,
        scenario,
        svg_dir: ch04_bft::cli::svg_dir(flags)?,
    })
}

fn run(config: &Config, out: &mut dyn Write) -> io::Result<ExitCode> {
    if let Some(s) = &config.scenario {
        print_scenario(out, &s.config, &s.byzantine, config.seed, s.network)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(dir) = &config.svg_dir {
        // Written before any output, so a bad --svg leaves stdout empty.
        write_diagrams(dir, config.trials, config.seed)?;
    }
    writeln!(out, "Chapter 4, Example 1: Byzantine fault tolerance")?;
    writeln!(out)?;
    print_scenarios(out)?;
    writeln!(out)?;
    print_why_3f_plus_1(out, config)?;
    writeln!(out)?;
    print_quorums(out)?;
    writeln!(out)?;
    print_normal_case(out, config.seed)?;
    writeln!(out)?;
    print_view_change(out, config.seed)?;
    writeln!(out)?;
    print_search(out, config.trials, config.seed)?;
    writeln!(out)?;
    print_messages(out, config.seed)?;
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
    use ch04_bft::bft::pbft::Config as PbftConfig;
    use ch04_bft::bft::pbft_adversary::{Strategy, adversary};
    use ch04_bft::bft::pbft_sim::Network;
    use ch04_bft::bft::vote::honest_answer;

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
    fn one_pbft_run_is_chosen_on_the_command_line() {
        let (_, config) =
            parse(&["--pbft", "7", "--byzantine", "5=usurping,0=silent"])
                .unwrap();
        let scenario = config.scenario.unwrap();
        assert_eq!(scenario.config, PbftConfig::pbft(2));
        assert_eq!(
            scenario.byzantine,
            [(0, Strategy::Silent), (5, Strategy::Usurp)]
        );
        assert_eq!(scenario.network, Network::Hostile);
        // Without --byzantine, the run the search makes with that seed.
        let (_, config) = parse(&["--pbft", "3", "--seed", "9"]).unwrap();
        let scenario = config.scenario.unwrap();
        assert_eq!(scenario.config, PbftConfig::sized(3, 2, 1));
        assert_eq!(scenario.byzantine, adversary(&scenario.config, 9));
        // Every n: f = (n - 1) / 3, at least 1, and quorums of n - f.
        let quorums = [2, 3, 4, 5, 5, 6, 7, 7];
        for (n, quorum) in (3..=10).zip(quorums) {
            let (_, config) = parse(&["--pbft", &n.to_string()]).unwrap();
            let sized = PbftConfig::sized(n, quorum, quorum - 1);
            assert_eq!(config.scenario.unwrap().config, sized, "n = {n}");
        }
        for (args, message) in [
            (
                &["--pbft", "11"][..],
                "--pbft must be a whole number from 3 to 10, not '11'",
            ),
            (
                &["--pbft", "4", "--network", "calm"],
                "--network must be hostile or fair, not 'calm'",
            ),
            (
                &["--pbft", "4", "--byzantine", "4=silent"],
                "--byzantine: '4=silent' is not ID=HOW, with ID from 0 to 3",
            ),
            (
                &["--pbft", "4", "--byzantine", "1=silent,1=usurping"],
                "--byzantine names R1 twice",
            ),
            (
                &["--pbft", "4", "--trials", "3"],
                "--trials is for the report, not for a run of --pbft N",
            ),
            (
                &["--byzantine", "1=silent"],
                "--byzantine is for a run of --pbft N",
            ),
            (
                &["--svg", "/nonexistent-ch04"],
                "--svg: '/nonexistent-ch04' is not an existing folder; create it first",
            ),
            (
                &["--pbft", "4", "--svg", "/tmp"],
                "--svg is for the report, not for a run of --pbft N",
            ),
        ] {
            assert_eq!(parse(args), Err(message.to_string()), "{args:?}");
        }
    }

    #[test]
    fn flags_parse_and_bad_input_is_named() {
        assert_eq!(
            parse(&[]),
            Ok((
                false,
                Config {
                    trials: 10_000,
                    seed: 1982,
                    scenario: None,
                    svg_dir: None
                }
            ))
        );
        assert_eq!(
            parse(&["--trials", "5", "--seed=0"]),
            Ok((
                false,
                Config { trials: 5, seed: 0, scenario: None, svg_dir: None }
            ))
        );
        assert_eq!(
            parse(&["--seed", "18446744073709551615"]).unwrap().1.seed,
            u64::MAX
        );
        // --help prints the help only when the rest is valid.
        assert_eq!(
            parse(&["--trials", "1", "--help"]),
            Ok((
                true,
                Config { trials: 1, seed: 1982, scenario: None, svg_dir: None }
            ))
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
        run(
            &Config { trials: 100, seed: 1982, scenario: None, svg_dir: None },
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let quorum = quorum_check(7, 2);
        let row = format!(
            "   7  2   5  {:>5}  {:>16}  no",
            quorum.quorum_pairs, quorum.smallest_overlap
        );
        assert!(text.contains(&row), "{text}");
        let search = om1_exhaustive(3);
        assert!(text.contains(&format!(
            "   3   {:>10}   {:>12}   {:>12}",
            search.strategies, 0, 2
        )));
        let lie = honest_answer(21) + LIE_OFFSET;
        assert!(text.contains(&format!(
            "DANGER: consensus on a wrong answer, {lie}:\n   3 liars, more than 2f = 2"
        )));
        // The trusted counter's runs, and the conditions defined before use.
        let two_of_three = plain_majority(&nodes(3, 1), 21);
        assert!(text.contains(&format!(
            "1 Byzantine: votes {lie} x1, 42 x2 -> {}",
            two_of_three.unwrap()
        )));
        let ic1 = text.find("IC1: all loyal").unwrap();
        assert!(ic1 < text.find("IC1 holds").unwrap());
        assert_eq!(text.matches("IC2 does not apply").count(), 1);
    }
}
