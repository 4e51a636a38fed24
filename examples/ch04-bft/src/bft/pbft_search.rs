//! A search over many seeded runs of PBFT (`pbft_sim`) for two honest
//! replicas that commit different values (safety), or a run in which some
//! honest replica never commits (liveness), with the network fair and the
//! timers long enough. Who lies, and how, is `pbft_adversary`'s.

use super::pbft::Config;
use super::pbft_adversary::adversary;
use super::pbft_sim::{Network, RunResult, run_traced};

/// Many seeded runs of one configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub config: Config,
    pub runs: u64,
    /// Runs where two honest replicas committed different values.
    pub unsafe_runs: u64,
    /// Runs where every honest replica committed.
    pub live_runs: u64,
    /// Of the live runs, those that committed in view 0, and after one
    /// view change.
    pub by_view: [u64; 2],
    /// Runs in which an honest replica asked for a view change while
    /// prepared, and in which a committed value was accepted again in a
    /// later view: where a broken view change would show.
    pub reached: [u64; 2],
    /// The first unsafe run's seed.
    pub first_unsafe: Option<u64>,
}

// ANCHOR: search
pub fn search(config: Config, runs: u64, seed: u64) -> Search {
    let mut found = Search {
        config,
        runs,
        unsafe_runs: 0,
        live_runs: 0,
        by_view: [0; 2],
        reached: [0; 2],
        first_unsafe: None,
    };
    for r in 0..runs {
        let run_seed = seed.wrapping_add(r);
        let result = search_run(&config, run_seed, false);
        found.reached[0] += u64::from(result.prepared_at_view_change);
        found.reached[1] += u64::from(result.carried);
        if result.unsafe_run() {
            found.unsafe_runs += 1;
            found.first_unsafe.get_or_insert(run_seed);
        }
        if result.live() {
            found.live_runs += 1;
            if let Some(count) =
                found.by_view.get_mut(result.last_view as usize)
            {
                *count += 1;
            }
        }
    }
    found
}
// ANCHOR_END: search

/// Run `seed` of a search, with its trace when `traced`: the adversary
/// drawn from the seed, on a hostile network.
pub fn search_run(config: &Config, seed: u64, traced: bool) -> RunResult {
    let byzantine = adversary(config, seed);
    run_traced(config, &byzantine, seed, Network::Hostile, traced)
}

/// Messages of the normal case with no fault, per phase, in closed form:
/// the primary to each backup; each backup to every other replica; every
/// replica to every other.
pub fn normal_case_messages(n: u64) -> [u64; 3] {
    [n - 1, (n - 1) * (n - 1), n * (n - 1)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bft::oral_messages::om_message_formula;
    use crate::bft::pbft_adversary::Strategy;
    use crate::bft::pbft_sim::{RunResult, Step, run};

    #[test]
    fn four_replicas_with_quorums_of_three_never_disagree_and_always_commit() {
        // The counts `bft_demo` prints: by view 0 and 1, and the runs that
        // reached a view change while prepared, and a value carried on.
        let printed = [
            (1, 10_000, [5190, 3812], [3760, 699]),
            (2, 2_000, [714, 1023], [1073, 190]),
        ];
        for (f, runs, by_view, reached) in printed {
            let found = search(Config::pbft(f), runs, 1982);
            assert_eq!(found.unsafe_runs, 0, "first: {:?}", found.first_unsafe);
            assert_eq!(found.live_runs, runs, "f = {f}");
            assert_eq!(found.by_view, by_view, "f = {f}");
            // The search went where a broken view change would show.
            assert_eq!(found.reached, reached, "f = {f}");
        }
    }

    #[test]
    fn three_replicas_with_quorums_of_two_can_disagree() {
        let config = Config::sized(3, 2, 1);
        let found = search(config, 10_000, 1982);
        assert!(found.unsafe_runs > 0);
        let seed = found.first_unsafe.unwrap();
        let result: RunResult = search_run(&config, seed, true);
        assert!(result.unsafe_run());
    }

    /// Each flaw the search can reach, with the replicas and runs that
    /// show it: some run unsafe, or not live. (The others of `Flaw::ALL`
    /// are caught by tests of their own in `pbft`.)
    #[test]
    fn the_search_catches_a_broken_protocol() {
        use crate::bft::pbft::Flaw;
        let cases = [
            (Flaw::DuplicateCommits, 1, 2_000),
            (Flaw::PrePrepareFromAnyone, 1, 10_000),
            (Flaw::PrePrepareOfAnyView, 1, 2_000),
            (Flaw::PreparesOfAnyView, 1, 10_000),
            (Flaw::ViewChangeWithoutCertificate, 1, 2_000),
            (Flaw::IgnoreCertificates, 1, 2_000),
            (Flaw::JoinOnF, 1, 2_000),
            (Flaw::LowestCertificate, 1, 10_000),
            (Flaw::NewViewInSameView, 1, 10_000),
            (Flaw::DuplicatePrepares, 2, 2_000),
        ];
        for (flaw, f, runs) in cases {
            let found = search(Config::pbft(f).with(flaw), runs, 1982);
            let failed = found.unsafe_runs + (runs - found.live_runs);
            assert!(failed > 0, "{flaw:?} at f = {f}: {found:?}");
        }
    }

    #[test]
    fn a_protocol_broken_on_purpose_is_caught_at_four_replicas() {
        // Committing with 2f commits instead of 2f + 1: two quorums of
        // two can miss each other's honest replica.
        let broken = Config::sized(4, 2, 2);
        assert!(search(broken, 10_000, 1982).unsafe_runs > 0);
    }

    #[test]
    fn the_normal_case_sends_what_the_closed_forms_say() {
        for f in 1..=3 {
            let config = Config::pbft(f);
            let counted = run(&config, &[], 7).messages;
            let n = config.n as u64;
            assert_eq!(counted[..3], normal_case_messages(n), "f = {f}");
            assert_eq!(counted[3..], [0, 0], "no view change, f = {f}");
            // OM(f) sends fewer at f = 1 (n squared, like PBFT), and far
            // more from f = 2 on (n to the power f + 1).
            let om = om_message_formula(n, f as u64);
            let pbft: u64 = counted.iter().sum();
            assert_eq!(om > pbft, f >= 2, "f = {f}: OM {om}, PBFT {pbft}");
        }
    }

    #[test]
    fn a_trace_shows_what_a_byzantine_replica_sends_and_nothing_it_notes() {
        let config = Config::sized(3, 2, 1);
        let result = search_run(&config, 1982, true);
        assert_eq!(result.byzantine, [(0, Strategy::Equivocate)]);
        let lines: Vec<String> = result
            .trace
            .iter()
            .map(|Step { time, replica, what }| {
                format!("{time} R{replica} {what}")
            })
            .collect();
        // Its two PRE-PREPAREs, one to each backup, each shown.
        assert_eq!(
            lines[..2],
            [
                "0 R0 (Byzantine) sends PRE-PREPARE(v0, a) to R1",
                "0 R0 (Byzantine) sends PRE-PREPARE(v0, b) to R2",
            ]
        );
        // What its honest self notes (accepting, preparing) is not shown.
        for step in result.trace.iter().filter(|s| s.replica == 0) {
            assert!(step.what.starts_with("(Byzantine) sends"), "{step:?}");
        }
    }

    #[test]
    fn no_run_of_the_search_comes_near_the_bound_on_events() {
        // The longest of the 10,000 runs bft_demo makes steps through 514
        // events at n = 4 and 1,709 at n = 7; with a rule broken, the
        // longest of 2,000 runs takes 2,573. An adversary that floods the
        // network runs on to the bound, 200,000, and every search with it.
        use crate::bft::pbft::Flaw;
        for f in [1, 2] {
            for flaw in std::iter::once(None).chain(Flaw::ALL.map(Some)) {
                let config = Config { flaw, ..Config::pbft(f) };
                for seed in 1982..2982 {
                    let events = search_run(&config, seed, false).events;
                    assert!(
                        events < 5_000,
                        "{flaw:?}, f {f}, {seed}: {events}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_fixed_seed_gives_a_fixed_trace() {
        let result = run(&Config::pbft(1), &[], 7);
        let first: Vec<String> = result
            .trace
            .iter()
            .take(3)
            .map(|Step { time, replica, what }| {
                format!("{time} R{replica} {what}")
            })
            .collect();
        assert_eq!(
            first,
            [
                "0 R0 sends PRE-PREPARE(v0, a) to all",
                "5 R2 accepts (v0, a), sends PREPARE to all",
                "7 R3 accepts (v0, a), sends PREPARE to all",
            ]
        );
        assert_eq!(result.trace.len(), 12);
        assert!(result.live() && !result.unsafe_run());
        let silent = run(&Config::pbft(1), &[(0, Strategy::Silent)], 7);
        assert_eq!(silent.last_view, 1);
        assert_eq!(silent.committed.len(), 3);
        assert!(silent.live());
    }
}
