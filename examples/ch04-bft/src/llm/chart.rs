//! The scaling chart as an SVG document, written with the standard library.

use std::io;
use std::path::Path;

use super::scaling::{Curve, ODD_N, SCALING_TASKS};
use crate::format::percent;

const COLORS: [&str; 3] = ["#1f5fa8", "#c0392b", "#2e8b57"];
const DASHES: [&str; 3] = ["none", "8 4", "3 3"];

/// The plot area in pixels, and the highest rate on the y axis.
struct Frame {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    y_max: f64,
}

impl Frame {
    fn x(&self, n: u32) -> f64 {
        self.left + (self.right - self.left) * f64::from(n - 1) / 14.0
    }

    fn y(&self, rate: f64) -> f64 {
        self.bottom - (self.bottom - self.top) * rate / self.y_max
    }
}

/// Axes with ticks, a title, a line per curve through its exact values, a
/// marker per measured value (moved a few pixels sideways per curve, so that
/// markers of curves that meet stay apart), a grey reference line at the
/// error of one model `e`, and one legend that explains all of it.
pub fn scaling_svg(e: f64, curves: &[Curve]) -> String {
    let highest =
        curves.iter().flat_map(|c| c.exact.iter()).fold(e, |a, &b| a.max(b));
    let y_ticks: Vec<f64> =
        (0..=20).map(|step| f64::from(step) * 0.05).collect();
    let y_max = y_ticks
        .iter()
        .copied()
        .find(|&tick| tick >= highest && tick > 0.0)
        .unwrap_or(1.0);
    let frame =
        Frame { left: 70.0, right: 560.0, top: 60.0, bottom: 380.0, y_max };
    let mut svg = axes(&frame, e, &y_ticks);
    for (i, curve) in curves.iter().enumerate() {
        svg.extend(curve_lines(&frame, i, curves.len(), curve));
    }
    svg.extend(legend(&frame, e, curves));
    svg.push("</svg>\n".to_string());
    svg.join("\n")
}

fn axes(frame: &Frame, e: f64, y_ticks: &[f64]) -> Vec<String> {
    let Frame { left, right, top, bottom, y_max } = *frame;
    let mut svg = vec![
        r#"<?xml version="1.0" encoding="UTF-8"?>"#.to_string(),
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="820" height="440" viewBox="0 0 820 440" font-family="sans-serif" font-size="13">"#.to_string(),
        r##"<rect x="0" y="0" width="820" height="440" fill="#ffffff"/>"##.to_string(),
        format!(
            r#"<text x="410" y="30" text-anchor="middle" font-size="16" font-weight="bold">Majority vote over n simulated models, each with error {}</text>"#,
            percent(e, 0)
        ),
        format!(r##"<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#000000"/>"##),
        format!(r##"<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#000000"/>"##),
        format!(r#"<text x="{}" y="{}" text-anchor="middle">number of models n</text>"#, f64::midpoint(left, right), bottom + 45.0),
        format!(
            r#"<text x="20" y="{0}" text-anchor="middle" transform="rotate(-90 20 {0})">error rate (no correct majority)</text>"#,
            f64::midpoint(top, bottom)
        ),
    ];
    for n in ODD_N {
        let tx = frame.x(n);
        svg.push(format!(
            r##"<line x1="{tx}" y1="{bottom}" x2="{tx}" y2="{}" stroke="#000000"/>"##,
            bottom + 5.0
        ));
        svg.push(format!(
            r#"<text x="{tx}" y="{}" text-anchor="middle">{n}</text>"#,
            bottom + 20.0
        ));
    }
    for &rate in y_ticks.iter().filter(|&&tick| tick <= y_max + 1e-9) {
        let ty = frame.y(rate);
        svg.push(format!(
            r##"<line x1="{}" y1="{ty:.1}" x2="{right}" y2="{ty:.1}" stroke="#eeeeee"/>"##,
            left + 1.0
        ));
        svg.push(format!(
            r##"<line x1="{}" y1="{ty:.1}" x2="{left}" y2="{ty:.1}" stroke="#000000"/>"##,
            left - 5.0
        ));
        svg.push(format!(
            r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 8.0,
            ty + 4.0,
            percent(rate, 0)
        ));
    }
    // The reference: one model alone. Above it, a vote is worse than none.
    let ey = frame.y(e);
    svg.push(format!(
        r##"<line x1="{left}" y1="{ey:.1}" x2="{right}" y2="{ey:.1}" stroke="#777777" stroke-width="1.5" stroke-dasharray="2 4"/>"##
    ));
    svg
}

/// Curve `i` of `count`: its line, and its measured values as circles.
fn curve_lines(
    frame: &Frame,
    i: usize,
    count: usize,
    curve: &Curve,
) -> Vec<String> {
    let (color, dash) = (COLORS[i % 3], DASHES[i % 3]);
    let points: Vec<String> = ODD_N
        .iter()
        .zip(&curve.exact)
        .map(|(&n, &rate)| format!("{:.1},{:.1}", frame.x(n), frame.y(rate)))
        .collect();
    let mut svg = vec![format!(
        r#"<polyline fill="none" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}" points="{}"/>"#,
        points.join(" ")
    )];
    let dodge = 7.0 * (i as f64 - (count as f64 - 1.0) / 2.0);
    for &(n, rate) in &curve.measured {
        svg.push(format!(
            r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="#ffffff" stroke="{color}" stroke-width="2"/>"##,
            frame.x(n) + dodge,
            frame.y(rate)
        ));
    }
    svg
}

fn legend(frame: &Frame, e: f64, curves: &[Curve]) -> Vec<String> {
    let mut svg = Vec::new();
    let row = |k: usize| frame.top + 20.0 + 24.0 * k as f64;
    for (i, curve) in curves.iter().enumerate() {
        let (color, dash) = (COLORS[i % 3], DASHES[i % 3]);
        let ly = row(i);
        svg.push(format!(
            r#"<line x1="580" y1="{ly}" x2="610" y2="{ly}" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>"#
        ));
        svg.push(format!(
            r#"<text x="618" y="{}">{}</text>"#,
            ly + 4.0,
            curve.label
        ));
    }
    let ly = row(curves.len());
    svg.push(format!(
        r##"<line x1="580" y1="{ly}" x2="610" y2="{ly}" stroke="#777777" stroke-width="1.5" stroke-dasharray="2 4"/>"##
    ));
    svg.push(format!(
        r#"<text x="618" y="{}">one model alone ({})</text>"#,
        ly + 4.0,
        percent(e, 0)
    ));
    let notes = [
        "Lines: exact error rates.".to_string(),
        format!("Circles: measured, {SCALING_TASKS} tasks"),
        "each, in the colour of their line.".to_string(),
        "Above the grey line, the vote".to_string(),
        "is worse than one model.".to_string(),
    ];
    for (k, note) in notes.iter().enumerate() {
        let y = ly + 34.0 + 18.0 * k as f64;
        svg.push(format!(r#"<text x="580" y="{y}">{note}</text>"#));
    }
    svg
}

/// Writes the chart as DIR/majority-scaling.svg, creating DIR if needed; the
/// error names the flag and the file.
pub fn write_svg(dir: &str, svg: &str) -> io::Result<()> {
    let path = Path::new(dir).join("majority-scaling.svg");
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, svg))
        .map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("--svg: cannot write {}: {error}", path.display()),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::super::model::Difficulty;
    use super::super::scaling::{MEASURED_N, scaling_curves};
    use super::*;

    /// Checks that tags nest and close, attributes are quoted, and text has no
    /// stray `<` or `&`: enough of XML to catch a broken chart.
    fn assert_well_formed(svg: &str) {
        let mut open: Vec<&str> = Vec::new();
        let mut rest = svg
            .strip_prefix(r#"<?xml version="1.0" encoding="UTF-8"?>"#)
            .expect("XML declaration");
        while let Some(start) = rest.find('<') {
            assert!(
                !rest[..start].contains('&') && !rest[..start].contains('>'),
                "stray text: {}",
                &rest[..start]
            );
            let end = rest[start..].find('>').expect("unclosed tag") + start;
            let tag = &rest[start + 1..end];
            assert_eq!(
                tag.matches('"').count() % 2,
                0,
                "unbalanced quotes in <{tag}>"
            );
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(name), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                open.push(tag.split_whitespace().next().expect("tag name"));
            }
            rest = &rest[end + 1..];
        }
        assert!(
            open.is_empty() && rest.trim().is_empty(),
            "unclosed: {open:?}"
        );
    }

    #[test]
    fn the_chart_is_well_formed_and_complete() {
        let curves = scaling_curves(
            0.23,
            Difficulty { hard_fraction: 0.1, hard_error: 0.8 },
            42,
        );
        assert_eq!(curves.len(), 3);
        let svg = scaling_svg(0.23, &curves);
        assert_well_formed(&svg);
        assert!(svg.contains(
            "Majority vote over n simulated models, each with error 23%"
        ));
        for curve in &curves {
            assert!(
                svg.contains(&format!(">{}</text>", curve.label)),
                "legend for {}",
                curve.label
            );
        }
        assert_eq!(svg.matches("<polyline").count(), 3);
        assert_eq!(svg.matches("<circle").count(), 3 * MEASURED_N.len());
        assert!(svg.contains(">one model alone (23%)</text>"));
        assert!(
            svg.contains("number of models n")
                && svg.contains("error rate (no correct majority)")
        );
        // At n = 1 the three curves meet; their markers stand apart.
        let at_one: Vec<&str> = svg
            .lines()
            .filter(|l| l.starts_with("<circle"))
            .filter_map(|l| l.split("cx=\"").nth(1)?.split('"').next())
            .collect();
        let mut xs = at_one.clone();
        xs.sort_unstable();
        xs.dedup();
        assert_eq!(
            xs.len(),
            at_one.len(),
            "every marker has its own x: {at_one:?}"
        );
    }

    #[test]
    fn the_well_formedness_check_can_fail() {
        for broken in
            ["<svg><g></svg>", "<svg a=\"1></svg>", "<svg>a & b</svg>"]
        {
            let document =
                format!(r#"<?xml version="1.0" encoding="UTF-8"?>{broken}"#);
            assert!(
                std::panic::catch_unwind(|| assert_well_formed(&document))
                    .is_err(),
                "{broken}"
            );
        }
    }
}
