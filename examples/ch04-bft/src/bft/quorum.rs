//! Quorum intersection, the view of PBFT (Castro, Liskov 1999).
//!
//! A *quorum* is a set of nodes large enough to decide. A node can wait for
//! n - f replies, since up to f nodes may stay silent. Two quorums of n - f
//! overlap in at least n - 2f nodes; if the whole overlap can be faulty, the
//! faulty nodes vote for both sides and two conflicting decisions each gather
//! a quorum. So the overlap must exceed f: n - 2f > f, that is n > 3f.

/// Every pair of quorums of q = n - f nodes, against every set of f
/// faulty nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuorumCheck {
    pub n: u32,
    pub f: u32,
    pub quorum: u32,
    pub quorum_pairs: u64,
    pub smallest_overlap: u32,
    /// (pair, faulty set) cases where the whole overlap is faulty: then two
    /// conflicting decisions can each gather a quorum.
    pub split_cases: u64,
}

// ANCHOR: quorums
/// Nodes are the bits of a `u32`, so n is at most 31 (the chapter uses 10).
pub fn quorum_check(n: u32, f: u32) -> QuorumCheck {
    let quorum = n - f;
    let sets_of =
        |size: u32| (0u32..1 << n).filter(move |s| s.count_ones() == size);
    let quorums: Vec<u32> = sets_of(quorum).collect();
    let faulty_sets: Vec<u32> = sets_of(f).collect();
    let mut check = QuorumCheck {
        n,
        f,
        quorum,
        quorum_pairs: 0,
        smallest_overlap: n,
        split_cases: 0,
    };
    for (i, &a) in quorums.iter().enumerate() {
        for &b in &quorums[i + 1..] {
            let overlap = a & b;
            check.quorum_pairs += 1;
            check.smallest_overlap =
                check.smallest_overlap.min(overlap.count_ones());
            let all_faulty = |&&bad: &&u32| overlap & !bad == 0;
            check.split_cases +=
                faulty_sets.iter().filter(all_faulty).count() as u64;
        }
    }
    check
}
// ANCHOR_END: quorums

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quorums_of_3f_plus_1_always_share_an_honest_node() {
        let rows: Vec<(u32, u32, u32, u64, u32, u64)> =
            [(3, 1), (4, 1), (6, 2), (7, 2), (9, 3), (10, 3)]
                .iter()
                .map(|&(n, f)| {
                    let c = quorum_check(n, f);
                    (
                        c.n,
                        c.f,
                        c.quorum,
                        c.quorum_pairs,
                        c.smallest_overlap,
                        c.split_cases,
                    )
                })
                .collect();
        assert_eq!(
            rows,
            [
                (3, 1, 2, 3, 1, 3),
                (4, 1, 3, 6, 2, 0),
                (6, 2, 4, 105, 2, 45),
                (7, 2, 5, 210, 3, 0),
                (9, 3, 6, 3486, 3, 840),
                (10, 3, 7, 7140, 4, 0),
            ]
        );
        for f in 1..=4 {
            assert_eq!(quorum_check(3 * f + 1, f).split_cases, 0, "f = {f}");
            assert_eq!(
                quorum_check(3 * f + 1, f).smallest_overlap,
                f + 1,
                "f = {f}"
            );
            assert!(quorum_check(3 * f, f).split_cases > 0, "f = {f}");
        }
    }
}
