//! The PBFT sections of `bft_demo`: each prints what `pbft_sim` and
//! `pbft_search` computed, and computes nothing itself.

use std::io::{self, Write};

use super::oral_messages::om_messages_counted;
use super::pbft::{Config, Id, Value};
use super::pbft_adversary::{Strategy, adversary};
use super::pbft_search::{Search, search, search_run};
use super::pbft_sim::{Network, RunResult, run, run_traced};
use super::pbft_svg::space_time;
use crate::cli::{heading, write_svg};

fn print_trace(out: &mut dyn Write, result: &RunResult) -> io::Result<()> {
    writeln!(out, "     t  replica")?;
    for step in &result.trace {
        writeln!(out, "  {:>4}  R{}  {}", step.time, step.replica, step.what)?;
    }
    Ok(())
}

/// Section 1.4: one run with no fault.
pub fn print_normal_case(out: &mut dyn Write, seed: u64) -> io::Result<()> {
    heading(out, "1.4 PBFT: the counter checked by the replicas")?;
    let config = Config::pbft(1);
    for line in [
        "n = 4 replicas, f = 1; the primary of view v is replica v mod 4.",
        "Prepared: the PRE-PREPARE and 2f = 2 matching PREPAREs;",
        "committed: 2f + 1 = 3 matching COMMITs. No fault; each message",
    ] {
        writeln!(out, "{line}")?;
    }
    writeln!(out, "takes 1 to 10 ticks, drawn from seed {seed}:")?;
    print_trace(out, &run(&config, &[], seed))
}

/// Section 1.5: the primary says nothing; the replicas replace it.
pub fn print_view_change(out: &mut dyn Write, seed: u64) -> io::Result<()> {
    heading(out, "1.5 PBFT: a silent primary is replaced")?;
    writeln!(
        out,
        "R0, the primary, is Byzantine and sends nothing; timers run"
    )?;
    writeln!(out, "100 ticks in view 0:")?;
    print_trace(out, &run(&Config::pbft(1), &[(0, Strategy::Silent)], seed))
}

/// Section 1.6: many runs, and the first disagreement where quorums are
/// too small.
pub fn print_search(
    out: &mut dyn Write,
    runs: u64,
    seed: u64,
) -> io::Result<()> {
    heading(out, "1.6 PBFT: a search for disagreement")?;
    for line in [
        "Each run: f Byzantine replicas drawn at random, each silent,",
        "equivocating, echoing, hiding its certificate, replaying, or",
        "usurping; the network duplicates messages and holds a quarter",
        "10 to 209 ticks until tick 300. Unsafe: honest replicas commit",
        "different values. Live: all honest replicas commit.",
        "   n  f  quorum   runs  unsafe   live  live by view 0, 1, later",
    ] {
        writeln!(out, "{line}")?;
    }
    // Seven replicas send four times the messages of four: a fifth of
    // the runs keeps the search within a second.
    let searches: Vec<Search> = [
        (Config::pbft(1), runs),
        (Config::pbft(2), runs.div_ceil(5)),
        (Config::sized(3, 2, 1), runs),
    ]
    .into_iter()
    .map(|(config, runs)| search(config, runs, seed))
    .collect();
    for s in &searches {
        let c = s.config;
        writeln!(
            out,
            "  {:>2} {:>2}  {:>6}  {:>5}  {:>6}  {:>5}  {}, {}, {}",
            c.n,
            c.f(),
            c.quorum,
            s.runs,
            s.unsafe_runs,
            s.live_runs,
            s.by_view[0],
            s.by_view[1],
            s.live_runs - s.by_view[0] - s.by_view[1]
        )?;
    }
    writeln!(out, "Runs that reached where a broken view change would show:")?;
    writeln!(
        out,
        "   n  view change while prepared  committed value carried on"
    )?;
    for s in &searches {
        writeln!(
            out,
            "  {:>2}  {:>26}  {:>26}",
            s.config.n, s.reached[0], s.reached[1]
        )?;
    }
    let broken = &searches[2];
    if let Some(seed) = broken.first_unsafe {
        let config = broken.config;
        let byzantine = adversary(&config, seed);
        let who: Vec<String> = byzantine
            .iter()
            .map(|(id, s)| format!("R{id} {}", s.name()))
            .collect();
        writeln!(out, "n = 3, quorums of n - f = 2, the first unsafe run")?;
        writeln!(out, "(seed {seed}, {}):", who.join(", "))?;
        print_trace(out, &search_run(&config, seed, true))?;
    }
    Ok(())
}

/// Section 1.7: messages of one request with no fault, counted in a run,
/// beside OM(f)'s.
pub fn print_messages(out: &mut dyn Write, seed: u64) -> io::Result<()> {
    heading(out, "1.7 PBFT's messages against OM(f)'s")?;
    writeln!(
        out,
        "One request, no fault, counted in a run (= the closed form):"
    )?;
    writeln!(out, "    f   n  pre-prepare  prepare  commit  total   OM(f)")?;
    for f in 1..=3 {
        let config = Config::pbft(f);
        let counted = run(&config, &[], seed).messages;
        let n = config.n as u64;

        writeln!(
            out,
            "   {f:>2}  {n:>2}  {:>11}  {:>7}  {:>6}  {:>5}  {:>6}",
            counted[0],
            counted[1],
            counted[2],
            counted[..3].iter().sum::<u64>(),
            om_messages_counted(config.n, f)
        )?;
    }
    Ok(())
}

/// `bft_demo --pbft N`: one run, chosen by the reader, with its trace and
/// how it ended.
pub fn print_scenario(
    out: &mut dyn Write,
    config: &Config,
    byzantine: &[(Id, Strategy)],
    seed: u64,
    network: Network,
) -> io::Result<()> {
    let who: Vec<String> =
        byzantine.iter().map(|(id, s)| format!("R{id} {}", s.name())).collect();
    let on = if network == Network::Hostile { "hostile" } else { "fair" };
    writeln!(
        out,
        "PBFT, n = {}, f = {}, quorums of {}, seed {seed}, a {on} network;",
        config.n,
        config.f(),
        config.quorum
    )?;
    let none = "none".to_string();
    writeln!(
        out,
        "Byzantine: {}",
        if who.is_empty() { none } else { who.join(", ") }
    )?;
    let result = run_traced(config, byzantine, seed, network, true);
    print_trace(out, &result)?;
    let committed: Vec<String> = result
        .committed
        .iter()
        .map(|&(id, v)| match v {
            Some(Value::A) => format!("R{id} a"),
            Some(Value::B) => format!("R{id} b"),
            None => format!("R{id} nothing"),
        })
        .collect();
    writeln!(out, "Committed: {}", committed.join(", "))?;
    let safe = if result.unsafe_run() { "UNSAFE" } else { "safe" };
    let live = if result.live() { "live" } else { "not live" };
    writeln!(out, "The run is {safe} and {live}, in view {}.", result.last_view)
}

/// `bft_demo --svg DIR`: the runs of sections 1.4 to 1.6 as space-time
/// diagrams, written as pbft-normal.svg, pbft-view-change.svg and
/// pbft-unsafe.svg.
pub fn write_diagrams(dir: &str, runs: u64, seed: u64) -> io::Result<()> {
    let four = Config::pbft(1);
    let normal = run(&four, &[], seed);
    let title = "1.4: no fault; n = 4, quorums of 3";
    write_svg(dir, "pbft-normal.svg", &space_time(&four, &normal, title))?;
    let silent = run(&four, &[(0, Strategy::Silent)], seed);
    let title = "1.5: R0, the primary, is silent and replaced";
    write_svg(dir, "pbft-view-change.svg", &space_time(&four, &silent, title))?;
    let three = Config::sized(3, 2, 1);
    if let Some(unsafe_seed) = search(three, runs, seed).first_unsafe {
        let result = search_run(&three, unsafe_seed, true);
        let title = "1.6: n = 3, quorums of 2: R1 and R2 commit apart";
        write_svg(dir, "pbft-unsafe.svg", &space_time(&three, &result, title))?;
    }
    Ok(())
}
