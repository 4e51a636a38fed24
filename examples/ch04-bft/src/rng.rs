//! `SplitMix64` (Steele, Lea, Flood 2014): the generator behind every random
//! draw in both examples.
//!
//! Its state is one `u64` that grows by a fixed odd constant per draw, and the
//! output is a mixing function of that state. So the k-th draw of a stream can
//! be computed directly, without the k - 1 draws before it (`draw`). The
//! simulation of Example 2 relies on that: the answer of model i to task t is a
//! function of the seed, i and t alone, whichever thread computes it and in
//! whichever order.
//!
//! The state itself, before mixing, runs through the golden-ratio sequence
//! (`golden`): not random, but spread evenly over all values, which is how
//! Example 2 spreads its hard tasks through a run.
//!
//! (The textbook linear congruential generator normalised by `u64::MAX` is not
//! used: from a small seed its first draws are close to 0.)

/// The constant the state grows by: 2^64 divided by the golden ratio, odd.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The output function: a bijection of `u64` that mixes every input bit into
/// every output bit.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Position `index` of the golden-ratio sequence that starts at `offset`:
/// `offset + index * GAMMA`, modulo 2^64 (a Weyl sequence). It is what a
/// `SplitMix64` state runs through before mixing. Read as fractions of 2^64,
/// its positions fill [0, 1) evenly rather than at random: of any n
/// positions in a row, the number below a fraction x is x * n give or take a
/// few, where random draws would stray by about the square root of n.
pub fn golden(offset: u64, index: u64) -> u64 {
    offset.wrapping_add(index.wrapping_mul(GAMMA))
}

/// The golden-ratio sequence read in order, one addition per position.
#[derive(Debug, Clone)]
pub struct Golden {
    position: u64,
}

impl Golden {
    /// The sequence that starts at `offset`, positioned so that its next
    /// value is `golden(offset, index)`.
    pub fn at(offset: u64, index: u64) -> Self {
        Self { position: golden(offset, index) }
    }

    pub fn next_u64(&mut self) -> u64 {
        let position = self.position;
        self.position = position.wrapping_add(GAMMA);
        position
    }
}

/// A stream of draws, as the reference `splitmix64.c` produces them.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The stream `seed`, positioned so that its next draw is `draw(seed, index)`.
    pub fn at(seed: u64, index: u64) -> Self {
        Self { state: golden(seed, index) }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix(self.state)
    }

    /// A draw from `0..bound`; `bound` must not be 0 (see `below`).
    pub fn below(&mut self, bound: usize) -> usize {
        below(self.next_u64(), bound)
    }
}

/// Draw number `index` (from 0) of the stream that `SplitMix64::new(seed)`
/// starts, computed directly.
pub fn draw(seed: u64, index: u64) -> u64 {
    mix(golden(seed, index.wrapping_add(1)))
}

/// Maps a uniform draw to `0..bound` by multiply-shift (Lemire 2019); the bias
/// is below bound / 2^64. `bound` must not be 0.
#[expect(
    clippy::cast_possible_truncation,
    reason = "the high word is below `bound`"
)]
pub fn below(x: u64, bound: usize) -> usize {
    ((u128::from(x) * bound as u128) >> 64) as usize
}

/// The seed of stream number `stream` of a run with seed `seed`. Streams of
/// one seed, and the same stream of different seeds, start far apart.
pub fn stream_seed(seed: u64, stream: u64) -> u64 {
    mix(mix(seed) ^ mix(stream.wrapping_add(GAMMA)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers_of_splitmix64_c() {
        // Reference outputs of splitmix64.c for seeds 1234567 and 0.
        let mut rng = SplitMix64::new(1_234_567);
        let first: Vec<u64> = (0..5).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            [
                6_457_827_717_110_365_317,
                3_203_168_211_198_807_973,
                9_817_491_932_198_370_423,
                4_593_380_528_125_082_431,
                16_408_922_859_458_223_821,
            ]
        );
        let mut rng = SplitMix64::new(0);
        let first: Vec<u64> = (0..5).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            [
                0xE220_A839_7B1D_CDAF,
                0x6E78_9E6A_A1B9_65F4,
                0x06C4_5D18_8009_454F,
                0xF88B_B8A8_724C_81EC,
                0x1B39_896A_51A8_749B
            ]
        );
    }

    #[test]
    fn direct_draws_equal_the_stream_at_every_position() {
        for seed in [0, 1, 42, u64::MAX, 0x9E37_79B9_7F4A_7C15] {
            let mut rng = SplitMix64::new(seed);
            for index in 0..1000 {
                let next = rng.next_u64();
                assert_eq!(
                    draw(seed, index),
                    next,
                    "seed {seed}, index {index}"
                );
                assert_eq!(
                    SplitMix64::at(seed, index).next_u64(),
                    next,
                    "seed {seed}"
                );
                // The golden-ratio sequence is the state before mixing.
                let mut positions = Golden::at(seed, index + 1);
                assert_eq!(positions.next_u64(), golden(seed, index + 1));
                assert_eq!(mix(positions.next_u64()), draw(seed, index + 1));
            }
        }
        // Far positions wrap around like the stream would.
        assert_eq!(SplitMix64::at(7, u64::MAX).next_u64(), draw(7, u64::MAX));
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = SplitMix64::new(9);
        let mut seen = [0u32; 7];
        for _ in 0..70_000 {
            seen[rng.below(7)] += 1;
        }
        // Each value about 10,000 times: within 5% for this seed.
        assert!(
            seen.iter().all(|&n| (9_500..=10_500).contains(&n)),
            "{seen:?}"
        );
        assert_eq!(below(u64::MAX, 1), 0);
        assert_eq!(below(u64::MAX, usize::MAX), usize::MAX - 1);
        assert_eq!(below(0, 5), 0);
    }

    #[test]
    fn stream_seeds_differ() {
        let mut seeds: Vec<u64> = (0..4)
            .flat_map(|seed| (0..64).map(move |s| stream_seed(seed, s)))
            .collect();
        seeds.sort_unstable();
        seeds.dedup();
        assert_eq!(seeds.len(), 4 * 64);
    }
}
