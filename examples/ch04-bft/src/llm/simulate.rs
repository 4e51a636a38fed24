//! The reference simulation: for each task, each model answers, each strategy
//! decides, and the tally counts. This is the idea; `super::engine` computes
//! exactly the same counts, faster.

use super::model::{Difficulty, ModelSpec, SimulatedLLM, TaskSource};
use super::strategy::Tally;

/// Everything a run depends on. Its counts depend on nothing else: not on
/// the order of the tasks, the number of threads, or the machine.
#[derive(Debug, Clone)]
pub struct Run<'a> {
    pub models: [&'a ModelSpec; 3],
    pub difficulty: Difficulty,
    /// K: how many distinct wrong answers a model can give.
    pub wrong_variants: usize,
    pub tasks: u64,
    pub seed: u64,
}

impl Run<'_> {
    /// The three models, at places 0, 1 and 2 of the run.
    pub fn llms(&self) -> [SimulatedLLM<'_>; 3] {
        [0, 1, 2].map(|i: usize| {
            let (k, seed) = (self.wrong_variants, self.seed);
            self.models[i].instance(self.difficulty, k, seed, i as u64)
        })
    }

    pub fn task_source(&self) -> TaskSource {
        TaskSource::new(self.difficulty, self.seed)
    }
}

// ANCHOR: simulate
pub fn simulate(run: &Run) -> Tally {
    let models = run.llms();
    let tasks = run.task_source();
    let mut tally = Tally::default();
    for id in 0..run.tasks {
        let task = tasks.task(id);
        let answers = models.each_ref().map(|m| m.generate_code(task).answer);
        tally.add(answers, 1);
    }
    tally
}
// ANCHOR_END: simulate

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_run_gives_exact_counts() {
        let names = [("Claude", 0.23), ("GPT-4", 0.25), ("Llama", 0.30)];
        let specs = names.map(|(name, error_rate)| ModelSpec {
            name: name.to_string(),
            error_rate,
        });
        let run = Run {
            models: [&specs[0], &specs[1], &specs[2]],
            difficulty: Difficulty::INDEPENDENT,
            wrong_variants: 1,
            tasks: 1000,
            seed: 42,
        };
        let tally = simulate(&run);
        assert_eq!(
            tally,
            Tally {
                tasks: 1000,
                correct: [784, 577, 839, 398],
                rejected: [0, 367, 0, 585]
            }
        );
        assert_eq!(
            (0..4).map(|s| tally.silent(s)).collect::<Vec<_>>(),
            [216, 56, 161, 17]
        );
    }
}
