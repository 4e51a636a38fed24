//! The two examples are self-contained files, so the few helpers both need (the
//! generator, flag parsing, the `main` wrapper) stand in each. This test keeps
//! the two copies identical, so a fix to one cannot miss the other.

const BFT_DEMO: &str = include_str!("../src/bft_demo.rs");
const DUAL_MODEL: &str = include_str!("../src/dual_model.rs");

/// The text between `// ANCHOR: shared` and `// ANCHOR_END: shared`.
fn shared_block(source: &str) -> &str {
    let start = source.find("// ANCHOR: shared\n").expect("start anchor");
    let end = source.find("// ANCHOR_END: shared").expect("end anchor");
    &source[start..end]
}

#[test]
fn shared_helpers_are_identical_in_both_examples() {
    let (a, b) = (shared_block(BFT_DEMO), shared_block(DUAL_MODEL));
    assert!(
        a.contains("struct SplitMix64") && a.contains("struct Flags") && a.contains("fn run_cli")
    );
    if a != b {
        let line = a.lines().zip(b.lines()).position(|(x, y)| x != y).unwrap_or(0);
        panic!("the shared blocks differ first at line {} of the block", line + 1);
    }
}
