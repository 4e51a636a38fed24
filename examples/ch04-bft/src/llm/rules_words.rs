//! Section 2.5's rules with one wrong answer (K = 1), for `rules_engine`:
//! a whole group of 64 tasks in a few words, and several settings of one
//! run at once.
//!
//! With K = 1 an answer is right or wrong and nothing more, so the rules
//! need only which callers erred: the three models' errors and the first
//! model's first five samples' are counted by the set of callers that
//! erred (`spelled`), and ahead-by-k walks every lane of the group at once
//! (`WordWalk`).
//!
//! The settings of a run, independent errors and hard tasks, give each
//! model the same streams and other thresholds. So every draw is made once
//! and compared for each setting (`lanes::below_lanes_of`); the groups'
//! walks go on side by side until the last lane of either ends.

use std::ops::Range;

use super::engine::in_blocks;
use super::lanes::{
    Against, below_lanes_of, count_spelled, first_lanes, groups, hard_lanes,
    set_lanes, spelled,
};
use super::rules_engine::{Counts, Plan};
use super::rules_shapes::FIVE;

/// Tasks 0 to `tasks` - 1 in each of the settings `plans` (K = 1, their
/// models sharing streams), on up to `threads` threads.
pub(super) fn count<const S: usize>(
    plans: [&Plan; S],
    tasks: u64,
    threads: usize,
) -> [Counts; S] {
    let start = || Counts::new(plans[0].leads.len());
    let counted = in_blocks(
        tasks,
        threads,
        || std::array::from_fn(|_| start()),
        |ids, c: &mut [Counts; S]| count_block(plans, ids, c.each_mut()),
    );
    let mut by_setting: [Vec<Counts>; S] = std::array::from_fn(|_| Vec::new());
    for thread in counted {
        for (setting, c) in by_setting.iter_mut().zip(thread) {
            setting.push(c);
        }
    }
    by_setting.map(|counted| Counts::sum(&counted, plans[0].leads.len()))
}

/// The tasks `ids` in each of the settings `plans` (their models sharing
/// streams), each counted into its own `counts`.
fn count_block<const S: usize>(
    plans: [&Plan; S],
    ids: Range<u64>,
    mut counts: [&mut Counts; S],
) {
    for (first, tasks) in groups(ids) {
        let valid = first_lanes(tasks);
        let hard = plans.map(|p| {
            if p.hard_tasks { hard_lanes(&p.source, first, tasks) } else { 0 }
        });
        // Each setting's errors: the three models, then the first model's
        // first five samples. The samples are one model's, compared with
        // the same thresholds: their five streams are read side by side.
        let against = |thresholds: &dyn Fn(&Plan) -> [u64; 2]| {
            std::array::from_fn(|s| Against {
                thresholds: thresholds(plans[s]),
                hard: hard[s],
                wanted: valid,
            })
        };
        let three: [[[u64; 1]; S]; 3] = std::array::from_fn(|i| {
            let against = against(&|p| p.three[i].thresholds());
            below_lanes_of([plans[0].three[i].error_stream], first, against)
        });
        let samples = &plans[0].samples;
        let five: [[u64; FIVE]; S] = below_lanes_of(
            std::array::from_fn(|q| samples[q].error_stream),
            first,
            against(&|p| p.samples[0].thresholds()),
        );
        let mut walks: [WordWalk; S] = std::array::from_fn(|s| {
            let c = &mut *counts[s];
            count_spelled(&three.map(|t| t[s][0]), valid, &mut c.by_three);
            let five = spelled(&five[s], valid);
            for (tasks, lanes) in c.by_five.iter_mut().zip(&five) {
                *tasks += u64::from(lanes.count_ones());
            }
            WordWalk::start(plans[s], &five)
        });
        // Two samples at a time: an even call, then an odd one. Both are
        // drawn for the lanes walking before the first; a lane's bit does
        // not depend on which others are drawn (see `lanes`).
        for p in (FIVE..samples.len()).step_by(2) {
            if walks.iter().all(|w| w.walking == 0) {
                break;
            }
            let against: [Against; S] = std::array::from_fn(|s| Against {
                thresholds: plans[s].samples[p].thresholds(),
                hard: hard[s],
                wanted: walks[s].walking,
            });
            let stream = |q: usize| samples[q].error_stream;
            let two = p + 1 < samples.len();
            let wrong = if two {
                below_lanes_of([stream(p), stream(p + 1)], first, against)
            } else {
                below_lanes_of([stream(p)], first, against).map(|[w]| [w, 0])
            };
            for s in 0..S {
                walks[s].pair(&plans[s].leads, wrong[s], two);
            }
        }
        for (walk, c) in walks.into_iter().zip(counts.iter_mut()) {
            walk.finish(c);
        }
    }
}

/// Ahead-by-k over a group's lanes, K = 1. A walk is its lead, the number
/// of correct samples less the number of wrong ones. Five samples leave a
/// rule open only while the walk has never reached its lead, and the leads
/// are 1 to 3 (`rows`): a walking lane stands at +1 or -1 after an odd
/// number of calls (one bit, `plus`), and at +2, -2 or 0 after an even
/// number. Each sample moves every walking lane at once; a rule decides
/// the lanes of its own that reach its lead, plus or minus, or its cap.
struct WordWalk {
    /// `open[r]`: the lanes rule r has yet to decide.
    open: [u64; 8],
    plus: u64,
    walking: u64,
    calls: u64,
    /// Per rule: the lanes it walked, those decided right and wrong, and
    /// the calls its lanes made past the first five.
    tasks: [u32; 8],
    right: [u32; 8],
    wrong: [u32; 8],
    past_five: [u32; 8],
    /// Samples drawn past the first five.
    drawn: u64,
}

impl WordWalk {
    /// The walks that the first five samples leave open; `five`: the lanes
    /// of each set of those samples that erred (see `spelled`).
    #[expect(clippy::cast_possible_truncation, reason = "a lane is below 64")]
    fn start(plan: &Plan, five: &[u64; 32]) -> WordWalk {
        let spelling = |shapes: u32| {
            set_lanes(u64::from(shapes)).fold(0, |a, c| a | five[c as usize])
        };
        let mut open = [0; 8];
        for (o, &shapes) in open.iter_mut().zip(&plan.open_two_answers) {
            *o = spelling(shapes);
        }
        WordWalk {
            open,
            plus: spelling(plan.at_plus_one),
            walking: open.iter().fold(0, |a, o| a | o),
            calls: FIVE as u64,
            tasks: open.map(u64::count_ones),
            right: [0; 8],
            wrong: [0; 8],
            past_five: [0; 8],
            drawn: 0,
        }
    }

    /// The next two samples, their errors `wrong` (the second only if
    /// `two`).
    #[inline]
    fn pair(&mut self, leads: &[(usize, usize)], wrong: [u64; 2], two: bool) {
        if self.walking == 0 {
            return;
        }
        let up = self.plus & !wrong[0] & self.walking;
        let down = !self.plus & wrong[0] & self.walking;
        self.decide(leads, 2, up, down);
        if !two || self.walking == 0 {
            return;
        }
        let zero = self.walking & !(up | down);
        self.plus = (up & wrong[1]) | (zero & !wrong[1]);
        self.decide(leads, 3, up & !wrong[1], down & wrong[1]);
    }

    /// One call: each rule's lanes that reach `reach`, up (`top`) or
    /// down, or its cap. Every lane still walking makes the call.
    #[inline]
    fn decide(
        &mut self,
        leads: &[(usize, usize)],
        reach: usize,
        top: u64,
        bottom: u64,
    ) {
        self.drawn += u64::from(self.walking.count_ones());
        self.calls += 1;
        self.walking = 0;
        for (r, &(lead, cap)) in leads.iter().enumerate() {
            let o = self.open[r];
            if o == 0 {
                continue;
            }
            self.past_five[r] += o.count_ones();
            let (won, lost) =
                if lead == reach { (o & top, o & bottom) } else { (0, 0) };
            self.right[r] += won.count_ones();
            self.wrong[r] += lost.count_ones();
            let left = o & !(won | lost);
            self.open[r] = if self.calls >= cap as u64 { 0 } else { left };
            self.walking |= self.open[r];
        }
    }

    /// Into `counts`: what the walks decided; what the caps stopped is the
    /// lanes neither won nor lost.
    fn finish(self, counts: &mut Counts) {
        counts.drawn += self.drawn;
        for (r, c) in counts.ahead.iter_mut().enumerate() {
            let (tasks, right, wrong) =
                (self.tasks[r], self.right[r], self.wrong[r]);
            c.tasks += u64::from(tasks);
            c.calls +=
                FIVE as u64 * u64::from(tasks) + u64::from(self.past_five[r]);
            c.correct += u64::from(right);
            c.silent += u64::from(wrong);
            c.rejected += u64::from(tasks - right - wrong);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::{Difficulty, ModelSpec};
    use super::super::rules::Rule;
    use super::super::rules_sim::rows;
    use super::*;

    #[test]
    fn every_walk_left_open_by_five_samples_stands_at_plus_or_minus_one() {
        // What `WordWalk` assumes: at most 8 rules, leads 1 to 3, and every
        // five samples that leave a rule open have two or three wrong.
        let leads: Vec<usize> = rows()
            .iter()
            .flat_map(|row| &row.rules)
            .filter_map(|rule| match *rule {
                Rule::AheadBy { lead, .. } => Some(lead),
                _ => None,
            })
            .collect();
        assert_eq!(leads, [1, 2, 3]);
        let models = ModelSpec::parse_list("a=0.23,b=0.25,c=0.3").unwrap();
        let plan = Plan::new(&models, Difficulty::INDEPENDENT, 1, 42);
        assert_eq!(plan.leads.len(), 3);
        let open: Vec<u32> = plan.open_two_answers.clone();
        // Lead 1 is decided by the first sample; lead 2 is open after five
        // when samples 1 and 2 differ, and 3 and 4; lead 3 when two or
        // three are wrong, not the first three alike.
        let wrong = |c: u32| c.count_ones();
        let spelled = |keep: &dyn Fn(u32) -> bool| {
            (0..32).filter(|&c| keep(c)).fold(0, |m, c| m | 1 << c)
        };
        let bit = |c: u32, i: u32| c >> i & 1;
        assert_eq!(open[0], 0);
        assert_eq!(
            open[1],
            spelled(&|c| bit(c, 0) != bit(c, 1) && bit(c, 2) != bit(c, 3))
        );
        assert_eq!(
            open[2],
            spelled(&|c| {
                let first_three = c & 0b111;
                (2..=3).contains(&wrong(c)) && first_three % 7 != 0
            })
        );
        assert_eq!(plan.at_plus_one, open[2] & spelled(&|c| wrong(c) == 2));
    }
}
