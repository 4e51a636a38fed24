//! Sixty-four tasks in one machine word.
//!
//! A model errs on a task when a 53-bit random number falls below its
//! threshold (see `model`). The number is not one draw of its own. Tasks
//! come in *groups* of 64, task t in lane t % 64 of group t / 64, and bit j
//! of the task's number (bit 0 the highest) is bit `lane` of draw
//! 64 * group + j of the model's stream. The number is compared with the
//! threshold from its highest bit down, and the first bit where the two
//! differ decides: the number is below when it has the 0 there.
//!
//! Each bit is a fair coin, so the chance of erring is exactly
//! threshold / 2^53, as with one draw per task. But the comparison usually
//! ends early: one task needs 2 draws on average (`below_at`, which the
//! reference loops use), while the 64 tasks of a group need about 7.34 for
//! all of them (`below_lanes`, which the engines use), since every draw
//! settles one bit of all 64 at once.

use std::ops::Range;

use super::model::TaskSource;
use crate::rng::{Golden, SplitMix64, draw};

/// Tasks in a group: the bits of a word.
pub const LANES: u64 = 64;

/// Bits of a task's random number.
const BITS: u64 = 53;

// ANCHOR: below_at
/// Whether task `id`'s number on `stream` is below `threshold` (0 to 2^53).
pub fn below_at(stream: u64, id: u64, threshold: u64) -> bool {
    if threshold >> BITS != 0 {
        return true;
    }
    let (first, lane) = (id - id % LANES, id % LANES);
    for j in 0..BITS {
        let bit = draw(stream, first + j) >> lane & 1;
        let wanted = threshold >> (BITS - 1 - j) & 1;
        if bit != wanted {
            return bit < wanted;
        }
    }
    false
}
// ANCHOR_END: below_at

/// `below_at` for the lanes `wanted` of the group whose first task is
/// `first` (a multiple of 64), all at once: lane l set when task first + l
/// is below its threshold, `easy`, or `hard` in the lanes set in `hard`.
/// The other lanes are 0. A lane's bit does not depend on which other
/// lanes are wanted.
#[inline]
pub fn below_lanes(
    stream: u64,
    first: u64,
    thresholds: [u64; 2],
    hard: u64,
    wanted: u64,
) -> u64 {
    let against = Against { thresholds, hard, wanted };
    below_lanes_of([stream], first, [against])[0][0]
}

/// What a stream's numbers are compared with in `below_lanes_of`: the
/// thresholds on easy and on hard tasks, the hard lanes, the lanes wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Against {
    pub thresholds: [u64; 2],
    pub hard: u64,
    pub wanted: u64,
}

/// `below_lanes` for `N` streams at once, each compared in `S` ways (two
/// settings of one run, say, whose models share their streams): result
/// `[s][i]` is `below_lanes` of stream i against `against[s]`. Three things
/// make it faster than `N * S` calls of `below_lanes`, and none changes a
/// bit of what it returns:
/// - each draw is made once and compared in every way;
/// - the streams' draws are interleaved, so the processor works on
///   several at a time;
/// - the first few draws of every stream are read before any lane is
///   looked at, so the loop does not guess, draw after draw, whether to
///   stop (a draw read after a lane is settled leaves it as it is). A few:
///   2 more than log2 of the lanes wanted in all, about what they need
///   (see `settle`).
#[inline]
pub fn below_lanes_of<const N: usize, const S: usize>(
    streams: [u64; N],
    first: u64,
    against: [Against; S],
) -> [[u64; N]; S] {
    let wanted: u32 = against.iter().map(|a| a.wanted.count_ones()).sum();
    let lanes = N as u64 * u64::from(wanted);
    let at_least = if lanes == 0 { 0 } else { u64::from(lanes.ilog2()) + 2 };
    settle(streams, first, against, at_least).0
}

/// `below_lanes_of`, and how many draws of each stream it read: with
/// `at_least` 0, what the lanes needed.
#[inline]
fn settle<const N: usize, const S: usize>(
    streams: [u64; N],
    first: u64,
    against: [Against; S],
    at_least: u64,
) -> ([[u64; N]; S], u64) {
    let all = |bit: u64| 0u64.wrapping_sub(bit & 1);
    // Lane by lane, the threshold's bit: easy's, or hard's in `hard`.
    let threshold = |a: &Against, shift: u64| {
        let [easy, hard_threshold] = a.thresholds;
        all(easy >> shift) ^ (a.hard & all((easy ^ hard_threshold) >> shift))
    };
    // A threshold of 2^53: every number is below it.
    let always = against.map(|a| a.wanted & threshold(&a, BITS));
    let mut below = always.map(|always| [always; N]);
    let mut open =
        std::array::from_fn::<_, S, _>(|s| [against[s].wanted & !always[s]; N]);
    let mut draws = streams.map(|stream| SplitMix64::at(stream, first));
    let mut shift = BITS;
    let mut any = open.iter().flatten().fold(0, |any, o| any | o);
    // The first `at_least` draws whatever `any` says, then while it says
    // some lane is open.
    while shift > 0 && (shift > BITS - at_least || any != 0) {
        shift -= 1;
        let t = against.map(|a| threshold(&a, shift));
        any = 0;
        for i in 0..N {
            let bits = draws[i].next_u64();
            for s in 0..S {
                below[s][i] |= open[s][i] & !bits & t[s];
                open[s][i] &= !(bits ^ t[s]);
                any |= open[s][i];
            }
        }
    }
    (below, BITS - shift)
}

/// The groups of the tasks `ids` (`ids.start` a multiple of 64): each
/// group's first task, and how many of its tasks are in `ids` (1 to 64).
pub fn groups(ids: Range<u64>) -> impl Iterator<Item = (u64, u64)> {
    let end = ids.end;
    std::iter::successors(Some(ids.start), |first| Some(first + LANES))
        .take_while(move |&first| first < end)
        .map(move |first| (first, LANES.min(end - first)))
}

/// The first `count` lanes (1 to 64) set.
pub fn first_lanes(count: u64) -> u64 {
    u64::MAX >> (LANES - count)
}

/// The hard tasks among the `count` tasks from `first`: `TaskSource::task`,
/// with the golden-ratio sequence stepped rather than computed.
pub fn hard_lanes(source: &TaskSource, first: u64, count: u64) -> u64 {
    let mut positions = Golden::at(source.offset, first);
    (0..count).fold(0, |hard, lane| {
        let is_hard = positions.next_u64() >> 11 < source.hard_threshold;
        hard | u64::from(is_hard) << lane
    })
}

/// For each c below 2 to the power `planes.len()`: the lanes of `valid` whose bits in
/// `planes` spell c, bit i of c being the lane's bit in `planes[i]` (at
/// most 5 planes).
pub fn spelled(planes: &[u64], valid: u64) -> [u64; 32] {
    let mut masks = [0u64; 32];
    masks[0] = valid;
    let mut len = 1;
    for &plane in planes {
        for c in 0..len {
            let m = masks[c];
            masks[c] = m & !plane;
            masks[c | len] = m & plane;
        }
        len *= 2;
    }
    masks
}

/// Adds to `counts[c]` how many lanes of `valid` spell c (see `spelled`).
pub fn count_spelled(planes: &[u64], valid: u64, counts: &mut [u64]) {
    let masks = spelled(planes, valid);
    for (n, m) in counts.iter_mut().zip(&masks[..1 << planes.len()]) {
        *n += u64::from(m.count_ones());
    }
}

/// The lanes set in at least `wanted` of `planes` (at most 63 planes): the
/// planes are added up, lane by lane, in a binary counter of six planes,
/// which is then compared with `wanted` from its highest bit down.
pub fn at_least(planes: impl Iterator<Item = u64>, wanted: u32) -> u64 {
    let mut counter = [0u64; 6];
    for plane in planes {
        let mut carry = plane;
        for bit in &mut counter {
            (*bit, carry) = (*bit ^ carry, *bit & carry);
        }
    }
    let (mut greater, mut equal) = (0, u64::MAX);
    for (b, &bit) in counter.iter().enumerate().rev() {
        if wanted >> b & 1 == 1 {
            equal &= bit;
        } else {
            greater |= equal & bit;
            equal &= !bit;
        }
    }
    greater | equal
}

/// The lanes set in `mask`, lowest first.
pub fn set_lanes(mut mask: u64) -> impl Iterator<Item = u64> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let lane = u64::from(mask.trailing_zeros());
            mask &= mask - 1;
            lane
        })
    })
}

#[cfg(test)]
mod tests {
    use super::super::model::{Difficulty, threshold_53};
    use super::*;

    #[test]
    fn all_lanes_at_once_say_what_each_lane_says() {
        let thresholds = [
            0,
            1,
            1 << 52,
            (1 << 53) - 1,
            1 << 53,
            threshold_53(0.23),
            threshold_53(0.8),
        ];
        let mut cases = 0;
        for stream in [0, 7, u64::MAX] {
            for &easy in &thresholds {
                for &hard_threshold in &thresholds {
                    for group in [0, 1, 1_000_003] {
                        let first = group * LANES;
                        let hard = draw(stream ^ 1, group);
                        let wanted = draw(stream ^ 2, group) | 1;
                        let lanes = below_lanes(
                            stream,
                            first,
                            [easy, hard_threshold],
                            hard,
                            wanted,
                        );
                        for lane in 0..LANES {
                            let t = if hard >> lane & 1 == 1 {
                                hard_threshold
                            } else {
                                easy
                            };
                            let one = wanted >> lane & 1 == 1
                                && below_at(stream, first + lane, t);
                            assert_eq!(lanes >> lane & 1 == 1, one);
                        }
                        cases += 1;
                    }
                }
            }
        }
        assert_eq!(cases, 3 * 7 * 7 * 3);
    }

    #[test]
    fn several_streams_compared_several_ways_say_what_each_says_alone() {
        let t = [0, 1 << 52, threshold_53(0.23), threshold_53(0.8), 1 << 53];
        let mut cases = 0;
        for group in [0, 5, 1_000_003] {
            let first = group * LANES;
            let streams = [11, 12, 13];
            // Each way: thresholds, hard lanes, lanes wanted (none, one, a
            // few, all).
            let ways: Vec<Against> = (0..4)
                .map(|w| {
                    let at = u64::try_from(w).unwrap();
                    Against {
                        thresholds: [t[w], t[(w + 2) % 5]],
                        hard: draw(group, at),
                        wanted: [0, 1 << 40, draw(group, 9 + at), !0][w],
                    }
                })
                .collect();
            let alone = |i: usize, a: &Against| {
                below_lanes(streams[i], first, a.thresholds, a.hard, a.wanted)
            };
            let two = [ways[0], ways[3]];
            let got = below_lanes_of([streams[0], streams[1]], first, two);
            for (s, a) in two.iter().enumerate() {
                for (i, &below) in got[s].iter().enumerate() {
                    assert_eq!(below, alone(i, a), "{group} {s} {i}");
                    cases += 1;
                }
            }
            let [w0, w1, w2, w3] = [ways[0], ways[1], ways[2], ways[3]];
            let got = below_lanes_of(streams, first, [w0, w1, w2, w3]);
            for (s, a) in [w0, w1, w2, w3].iter().enumerate() {
                for (i, &below) in got[s].iter().enumerate() {
                    assert_eq!(below, alone(i, a), "{group} {s} {i}");
                    cases += 1;
                }
            }
        }
        assert_eq!(cases, 3 * (2 * 2 + 4 * 3));
    }

    #[test]
    fn a_group_of_64_needs_about_seven_draws() {
        // The expected most of 64 counts, each 1 with probability 1/2, 2
        // with probability 1/4, ...: the sum over j of P(most > j).
        let expected: f64 =
            (0..200).map(|j| 1.0 - (1.0 - 0.5f64.powi(j)).powi(64)).sum();
        assert!((expected - 7.344).abs() < 1e-3, "{expected}");
        let groups = 100_000;
        let t = threshold_53(0.23);
        // The draws the lanes `wanted` of each group need, summed.
        let needed = |wanted| -> u64 {
            let against = [Against { thresholds: [t, t], hard: 0, wanted }];
            (0..groups).map(|g| settle([4], g * LANES, against, 0).1).sum()
        };
        let draws = needed(!0);
        #[expect(clippy::cast_precision_loss, reason = "below 2^53")]
        let mean = draws as f64 / groups as f64;
        assert!((mean - expected).abs() < 0.02, "{mean}");
        // One task alone: 2 on average.
        let one = needed(1);
        #[expect(clippy::cast_precision_loss, reason = "below 2^53")]
        let mean = one as f64 / groups as f64;
        assert!((mean - 2.0).abs() < 0.02, "{mean}");
    }

    #[test]
    fn a_task_errs_as_often_as_its_threshold_says() {
        // 2^20 tasks: the share is within 5 standard deviations of p.
        let tasks = 1u64 << 20;
        for p in [0.0, 0.001, 0.23, 0.5, 0.8, 1.0] {
            let t = threshold_53(p);
            let below = (0..tasks / LANES)
                .map(|g| {
                    below_lanes(9, g * LANES, [t, t], 0, u64::MAX).count_ones()
                })
                .map(u64::from)
                .sum::<u64>();
            #[expect(clippy::cast_precision_loss, reason = "below 2^53")]
            let share = below as f64 / tasks as f64;
            let sd = (p * (1.0 - p) / (1u64 << 20) as f64).sqrt();
            assert!((share - p).abs() <= 5.0 * sd, "p = {p}: {share}");
        }
    }

    #[test]
    fn hard_lanes_are_the_hard_tasks() {
        let d = Difficulty { hard_fraction: 0.3, hard_error: 0.9 };
        let source = TaskSource::new(d, 5);
        for (first, count) in [(0, 64), (64, 17), (6400, 1)] {
            let lanes = hard_lanes(&source, first, count);
            for lane in 0..LANES {
                let hard = lane < count && source.task(first + lane).hard;
                assert_eq!(lanes >> lane & 1 == 1, hard, "{first} {lane}");
            }
        }
    }

    #[test]
    fn at_least_counts_every_lane() {
        let planes: Vec<u64> = (0..15).map(|i| draw(8, i)).collect();
        for wanted in 0..=16 {
            let lanes = at_least(planes.iter().copied(), wanted);
            for lane in 0..LANES {
                let set = planes.iter().filter(|p| *p >> lane & 1 == 1);
                let enough = set.count() >= wanted as usize;
                assert_eq!(lanes >> lane & 1 == 1, enough, "{wanted} {lane}");
            }
        }
    }

    #[test]
    fn counts_by_spelling_match_lane_by_lane() {
        let planes: Vec<u64> = (0..5).map(|i| draw(3, i)).collect();
        let valid = first_lanes(50);
        let mut counts = [0; 32];
        count_spelled(&planes, valid, &mut counts);
        let mut expected = [0; 32];
        for lane in set_lanes(valid) {
            let c = (0..5).fold(0, |c, i| c | (planes[i] >> lane & 1) << i);
            expected[usize::try_from(c).unwrap()] += 1;
        }
        assert_eq!(counts, expected);
        assert_eq!(counts.iter().sum::<u64>(), 50);
        assert_eq!(set_lanes(0b1010_0001).collect::<Vec<_>>(), [0, 5, 7]);
        assert_eq!(first_lanes(64), u64::MAX);
        assert_eq!(first_lanes(1), 1);
        let cut: Vec<_> = groups(128..300).collect();
        assert_eq!(cut, [(128, 64), (192, 64), (256, 44)]);
        assert_eq!(groups(64..64).count(), 0);
    }
}
