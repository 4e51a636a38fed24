//! The scaling chart as an SVG document, written with the standard library.
//!
//! It is drawn 420 units wide, legend below the plot, so that on a phone
//! (about 335 pixels of text column) its 12-unit text is still 9.6 pixels
//! high. Each curve has a colour, a dash pattern and a marker shape of its
//! own, so that it can be told apart without colour.

use std::io;

use super::scaling::{Curve, ODD_N, SCALING_TASKS};
use crate::format::percent;

const COLORS: [&str; 3] = ["#1f5fa8", "#c0392b", "#2e8b57"];
const DASHES: [&str; 3] = ["none", "9 4", "2 3"];
/// The reference line: grey, long dashes with dots between.
const REFERENCE_DASH: &str = "12 4 2 4";
const WIDTH: f64 = 420.0;

/// The plot area in units, and the highest rate on the y axis.
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
/// marker per measured value, at its n, a grey reference line at the error
/// of one model `e`, and below them one legend that explains all of it.
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
        Frame { left: 52.0, right: 400.0, top: 64.0, bottom: 320.0, y_max };
    let legend_rows = curves.len() + 1;
    let height = frame.bottom + 70.0 + 20.0 * legend_rows as f64 + 62.0;
    let mut svg = axes(&frame, e, &y_ticks, height);
    for (i, curve) in curves.iter().enumerate() {
        svg.extend(curve_lines(&frame, i, curve));
    }
    svg.extend(legend(&frame, e, curves));
    svg.push("</svg>\n".to_string());
    svg.join("\n")
}

fn axes(frame: &Frame, e: f64, y_ticks: &[f64], height: f64) -> Vec<String> {
    let Frame { left, right, top, bottom, y_max } = *frame;
    let mut svg = vec![
        r#"<?xml version="1.0" encoding="UTF-8"?>"#.to_string(),
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
        ),
        format!(r##"<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>"##),
        r#"<text x="210" y="22" text-anchor="middle" font-size="13" font-weight="bold">Majority vote over n simulated models,</text>"#.to_string(),
        format!(
            r#"<text x="210" y="40" text-anchor="middle" font-size="13" font-weight="bold">each with error {}</text>"#,
            percent(e, 0)
        ),
        format!(r##"<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#000000"/>"##),
        format!(r##"<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#000000"/>"##),
        format!(r#"<text x="{}" y="{}" text-anchor="middle">number of models n</text>"#, f64::midpoint(left, right), bottom + 36.0),
        format!(
            r#"<text x="13" y="{0}" text-anchor="middle" transform="rotate(-90 13 {0})">error rate (no correct majority)</text>"#,
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
            bottom + 18.0
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
        r##"<line x1="{left}" y1="{ey:.1}" x2="{right}" y2="{ey:.1}" stroke="#777777" stroke-width="1.5" stroke-dasharray="{REFERENCE_DASH}"/>"##
    ));
    svg
}

/// Curve `i`'s marker at (x, y): a circle, a square or a triangle, hollow.
fn marker(i: usize, x: f64, y: f64) -> String {
    let color = COLORS[i % 3];
    let style =
        format!(r##"fill="#ffffff" stroke="{color}" stroke-width="2""##);
    match i % 3 {
        0 => format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="4" {style}/>"#),
        1 => format!(
            r#"<rect x="{:.1}" y="{:.1}" width="8" height="8" {style}/>"#,
            x - 4.0,
            y - 4.0
        ),
        _ => format!(
            r#"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" {style}/>"#,
            x,
            y - 5.0,
            x - 5.0,
            y + 4.0,
            x + 5.0,
            y + 4.0
        ),
    }
}

/// Curve `i`: its line, and its measured values as markers at their n.
fn curve_lines(frame: &Frame, i: usize, curve: &Curve) -> Vec<String> {
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
    for &(n, rate) in &curve.measured {
        svg.push(marker(i, frame.x(n), frame.y(rate)));
    }
    svg
}

fn legend(frame: &Frame, e: f64, curves: &[Curve]) -> Vec<String> {
    let mut svg = Vec::new();
    let row = |k: usize| frame.bottom + 64.0 + 20.0 * k as f64;
    for (i, curve) in curves.iter().enumerate() {
        let (color, dash) = (COLORS[i % 3], DASHES[i % 3]);
        let ly = row(i);
        svg.push(format!(
            r#"<line x1="16" y1="{ly}" x2="56" y2="{ly}" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>"#
        ));
        svg.push(marker(i, 36.0, ly));
        svg.push(format!(
            r#"<text x="64" y="{}">{}</text>"#,
            ly + 4.0,
            curve.label
        ));
    }
    let ly = row(curves.len());
    svg.push(format!(
        r##"<line x1="16" y1="{ly}" x2="56" y2="{ly}" stroke="#777777" stroke-width="1.5" stroke-dasharray="{REFERENCE_DASH}"/>"##
    ));
    svg.push(format!(
        r#"<text x="64" y="{}">one model alone ({})</text>"#,
        ly + 4.0,
        percent(e, 0)
    ));
    let notes = [
        format!(
            "Lines: exact error rates. Markers: measured, {SCALING_TASKS} tasks"
        ),
        "each, at their n. Above the grey line, the vote is worse".to_string(),
        "than one model.".to_string(),
    ];
    for (k, note) in notes.iter().enumerate() {
        let y = ly + 28.0 + 16.0 * k as f64;
        svg.push(format!(r#"<text x="16" y="{y}">{note}</text>"#));
    }
    svg
}

/// Writes the chart as DIR/majority-scaling.svg.
pub fn write_svg(dir: &str, svg: &str) -> io::Result<()> {
    crate::cli::write_svg(dir, "majority-scaling.svg", svg)
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
        assert!(svg.contains(">Majority vote over n simulated models,</text>"));
        assert!(svg.contains(">each with error 23%</text>"));
        for curve in &curves {
            assert!(
                svg.contains(&format!(">{}</text>", curve.label)),
                "legend for {}",
                curve.label
            );
        }
        assert_eq!(svg.matches("<polyline").count(), 3);
        // One marker per measured value, and one per curve in the legend,
        // each curve with a shape of its own.
        let markers = MEASURED_N.len() + 1;
        assert_eq!(svg.matches("<circle").count(), markers);
        assert_eq!(svg.matches("<rect x=").count() - 1, markers, "squares");
        assert_eq!(svg.matches("<polygon").count(), markers);
        assert!(svg.contains(">one model alone (23%)</text>"));
        assert!(
            svg.contains("number of models n")
                && svg.contains("error rate (no correct majority)")
        );
        // Every marker sits at its n: its x is one of the ticks'.
        let ticks: Vec<String> = ODD_N
            .iter()
            .map(|&n| format!("{:.1}", 52.0 + 348.0 * f64::from(n - 1) / 14.0))
            .collect();
        for line in svg.lines().filter(|l| l.starts_with("<circle")) {
            let cx =
                line.split("cx=\"").nth(1).and_then(|r| r.split('"').next());
            let cx = cx.unwrap_or_default().to_string();
            assert!(cx == "36.0" || ticks.contains(&cx), "{line}");
        }
        // Lines differ without colour: every dash pattern is its own.
        let mut dashes = DASHES.to_vec();
        dashes.push(REFERENCE_DASH);
        dashes.sort_unstable();
        dashes.dedup();
        assert_eq!(dashes.len(), 4);
        // Drawn 420 wide, 12-unit text is 9.6 pixels on a 335-pixel column.
        assert!(
            svg.contains(r#"width="420""#) && svg.contains(r#"font-size="12""#)
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
