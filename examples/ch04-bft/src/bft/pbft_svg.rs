//! A PBFT run drawn as a space-time diagram: one line per replica, time
//! running to the right, an arrow per message from when it left to when it
//! arrived, coloured by phase, and a dot where a replica commits; up to the
//! last commit, since what arrives after it changes nothing. The
//! Byzantine replicas' lines are dashed and their names red. `bft_demo
//! --svg DIR` writes the runs the PBFT page shows.

use super::pbft::Config;
use super::pbft_sim::{Arrow, RunResult};

/// The phases, in the order of `Arrow::kind`, and their colours.
const GREY: &str = "#999";
const RED: &str = "#d62728";

const PHASES: [(&str, &str); 5] = [
    ("PRE-PREPARE", "#1f77b4"),
    ("PREPARE", "#2ca02c"),
    ("COMMIT", "#9467bd"),
    ("VIEW-CHANGE", "#d62728"),
    ("NEW-VIEW", "#ff7f0e"),
];

/// Drawing units across; at 335 pixels wide, text of `FONT` units shows at
/// 9.4 pixels.
const WIDTH: f64 = 640.0;
const FONT: f64 = 18.0;
const LEFT: f64 = 110.0;
const RIGHT: f64 = 596.0;
const TOP: f64 = 70.0;
const ROW: f64 = 64.0;

/// A stretch with no message longer than this is drawn this long, and
/// labelled with how long it was.
const GAP: u64 = 20;

/// Ticks as drawn: every stretch with no message longer than `GAP` shrunk
/// to `GAP`. Returns the drawn position of each tick `t`, as a function,
/// and the shrunk stretches (where drawn, how long).
fn squeeze(arrows: &[Arrow]) -> (impl Fn(u64) -> u64, Vec<(u64, u64)>) {
    let mut times: Vec<u64> =
        arrows.iter().flat_map(|a| [a.sent, a.arrived]).collect();
    times.push(0);
    times.sort_unstable();
    times.dedup();
    // (from, by how much the drawing shrinks from there on)
    let mut cuts: Vec<(u64, u64)> = Vec::new();
    let mut gaps = Vec::new();
    let mut shrunk = 0;
    for pair in times.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if b - a > GAP {
            gaps.push((a - shrunk + GAP / 2, b - a));
            shrunk += b - a - GAP;
            cuts.push((b, shrunk));
        }
    }
    let at = move |t: u64| {
        let before = cuts.iter().rev().find(|&&(from, _)| from <= t);
        t - before.map_or(0, |&(_, by)| by)
    };
    (at, gaps)
}

/// The diagram of `result`, a traced run of `config`, titled `title`.
pub fn space_time(config: &Config, result: &RunResult, title: &str) -> String {
    let commits = result.trace.iter().filter(|s| s.what.starts_with("COMMITS"));
    let until = commits.map(|s| s.time).max().unwrap_or(u64::MAX);
    let arrows: Vec<Arrow> =
        result.arrows.iter().filter(|a| a.arrived <= until).copied().collect();
    let (at, gaps) = squeeze(&arrows);
    // A commit may come after the last arrow: on a replica's own COMMIT.
    let arrived = arrows.iter().map(|a| a.arrived).max().unwrap_or(1);
    let last = if until == u64::MAX { arrived } else { arrived.max(until) };
    let end = at(last).max(1);
    let x = |t: u64| LEFT + (RIGHT - LEFT) * at(t) as f64 / end as f64;
    let drawn = |t: u64| LEFT + (RIGHT - LEFT) * t as f64 / end as f64;
    let y = |r: usize| TOP + ROW * r as f64;
    let legend = y(config.n) + 10.0;
    let height = legend + 2.0 * 30.0 + 40.0;
    let mut svg = vec![
        r#"<?xml version="1.0" encoding="UTF-8"?>"#.to_string(),
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" font-family="sans-serif" font-size="{FONT}">"#
        ),
        "<defs>".to_string(),
    ];
    for (k, (_, colour)) in PHASES.iter().enumerate() {
        svg.push(format!(
            r#"<marker id="head{k}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>"#
        ));
    }
    svg.push("</defs>".to_string());
    svg.push(format!(r#"<text x="10" y="28" font-size="20">{title}</text>"#));
    let byzantine = |r: usize| result.byzantine.iter().any(|b| b.0 == r);
    for r in 0..config.n {
        let (dash, colour) = if byzantine(r) {
            (" stroke-dasharray=\"6,4\"", RED)
        } else {
            ("", "black")
        };
        svg.push(format!(
            r#"<line x1="{LEFT}" y1="{0}" x2="{RIGHT}" y2="{0}" stroke="{GREY}" stroke-width="2"{dash}/>"#,
            y(r)
        ));
        svg.push(format!(
            r#"<text x="10" y="{}" fill="{colour}">R{r}</text>"#,
            y(r) + 6.0
        ));
        if byzantine(r) {
            svg.push(format!(
                r#"<text x="10" y="{}" fill="{colour}">Byzantine</text>"#,
                y(r) + 26.0
            ));
        }
    }
    for &(middle, long) in &gaps {
        svg.push(format!(
            r#"<text x="{:.1}" y="{}" fill="{GREY}" text-anchor="middle">{long} ticks</text>"#,
            drawn(middle),
            TOP - 14.0
        ));
    }
    for a in &arrows {
        svg.push(format!(
            r#"<line x1="{:.1}" y1="{}" x2="{:.1}" y2="{}" stroke="{}" stroke-width="1.5" marker-end="url(#head{})"/>"#,
            x(a.sent),
            y(a.from),
            x(a.arrived),
            y(a.to),
            PHASES[a.kind].1,
            a.kind
        ));
    }
    for step in &result.trace {
        if let Some(value) = step.what.strip_prefix("COMMITS ") {
            let (cx, cy) = (x(step.time), y(step.replica));
            svg.push(format!(
                r#"<circle cx="{cx:.1}" cy="{cy}" r="7"/><text x="{:.1}" y="{}" font-weight="bold">{value}</text>"#,
                cx + 9.0,
                cy - 9.0
            ));
        }
    }
    svg.extend(legend_lines(legend));
    svg.push(format!(
        r#"<text x="{LEFT}" y="{}">time: 0 to {last} ticks</text>"#,
        height - 12.0
    ));
    svg.push("</svg>".to_string());
    svg.join("\n") + "\n"
}

/// The legend under the replicas, from `legend` down: a swatch per phase, and
/// the dot of a commit.
fn legend_lines(legend: f64) -> Vec<String> {
    let mut svg = Vec::new();
    for (k, (name, colour)) in PHASES.iter().enumerate() {
        let (col, row) = (k % 3, k / 3);
        let (lx, ly) =
            (10.0 + 210.0 * col as f64, legend + 30.0 * row as f64 + 20.0);
        svg.push(format!(
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="3"/><text x="{}" y="{}">{name}</text>"#,
            lx + 30.0,
            lx + 38.0,
            ly + 6.0
        ));
    }
    svg.push(format!(
        r#"<circle cx="{}" cy="{}" r="7"/><text x="{}" y="{}">commits</text>"#,
        10.0 + 420.0 + 15.0,
        legend + 50.0,
        10.0 + 420.0 + 30.0,
        legend + 56.0
    ));
    svg
}

#[cfg(test)]
mod tests {
    use super::super::pbft_adversary::Strategy;
    use super::super::pbft_sim::run;
    use super::*;

    #[test]
    fn only_a_stretch_longer_than_the_gap_is_shrunk_to_it() {
        let arrow =
            |sent, arrived| Arrow { from: 0, to: 1, sent, arrived, kind: 0 };
        // Stretches with no message: 5 to 25 (exactly GAP), 30 to 100 and
        // 105 to 200 (shrunk to GAP, by 50 and then by 75 more).
        let arrows =
            [arrow(0, 5), arrow(25, 30), arrow(100, 105), arrow(200, 205)];
        let (at, gaps) = squeeze(&arrows);
        let drawn: Vec<u64> =
            [0, 5, 25, 30, 100, 105, 200, 205].map(at).to_vec();
        assert_eq!(drawn, [0, 5, 25, 30, 50, 55, 75, 80]);
        // Each shrunk stretch is labelled half a gap into it, as drawn.
        assert_eq!(gaps, [(40, 70), (65, 95)]);
    }

    #[test]
    fn a_run_with_no_commit_is_drawn_to_its_last_arrow() {
        // Quorums of 5 among 4 replicas: nothing commits.
        let config = Config::sized(4, 5, 3);
        let result = run(&config, &[], 1982);
        let last = result.arrows.iter().map(|a| a.arrived).max().unwrap();
        let svg = space_time(&config, &result, "No quorum");
        assert!(svg.contains(&format!("time: 0 to {last} ticks")), "{last}");
        assert_eq!(svg.matches("<circle").count(), 1, "the legend's dot");
    }

    #[test]
    fn every_message_is_an_arrow_and_every_commit_a_dot() {
        let config = Config::pbft(1);
        let result = run(&config, &[(0, Strategy::Silent)], 1982);
        let svg = space_time(&config, &result, "A silent primary");
        assert!(svg.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#));
        assert!(svg.ends_with("</svg>\n"));
        let delivered: u64 = result.messages.iter().sum();
        assert_eq!(result.arrows.len() as u64, delivered);
        // Every message that arrived by the last commit is an arrow.
        let last = result.trace.iter().map(|s| s.time).max().unwrap();
        let shown = result.arrows.iter().filter(|a| a.arrived <= last).count();
        assert_eq!(svg.matches("marker-end=").count(), shown);
        assert!(shown > 0);
        let commits = result
            .trace
            .iter()
            .filter(|s| s.what.starts_with("COMMITS"))
            .count();
        // One dot per commit, and one in the legend.
        assert_eq!(svg.matches("<circle").count(), commits + 1);
        assert_eq!(svg.matches("stroke-dasharray").count(), 1, "R0 dashed");
        // Text no smaller than FONT units: 9 pixels or more at 335 wide.
        const { assert!(FONT * 335.0 / WIDTH >= 9.0) };
        assert!(
            !svg.contains("font-size=\"1") || svg.contains("font-size=\"18\"")
        );
    }
}
