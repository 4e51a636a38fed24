//! How numbers are shown: never `inf`, `NaN` or `-0`.

/// `rate` as a percentage. Adding 0.0 turns -0.0 into 0.0, so nothing
/// prints "-0.00%"; a rate that is not finite (a bug upstream) shows as "-".
pub fn percent(rate: f64, decimals: usize) -> String {
    if rate.is_finite() {
        format!("{:.*}%", decimals, rate * 100.0 + 0.0)
    } else {
        "-".to_string()
    }
}

/// A positive count that may be huge, as `1234.57` or `1.23e15`; one too
/// large for an `f64` (which holds up to about 1.8e308) as "> 1e308".
pub fn amount(value: f64) -> String {
    if value.is_nan() {
        "-".to_string()
    } else if value.is_infinite() {
        "> 1e308".to_string()
    } else if value.abs() < 1e6 {
        format!("{:.2}", value + 0.0)
    } else {
        format!("{value:.2e}")
    }
}

/// A probability or rate as a short decimal: at most four places, no
/// trailing zeros ("0.77", "0.5775", "1").
pub fn decimal(value: f64) -> String {
    let text = format!("{:.4}", value + 0.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_string() } else { text.to_string() }
}

/// How an error rate compares with the baseline's, worded both ways round.
/// Equal means the same rate computed the same way, so `==` is meant.
#[allow(clippy::float_cmp)]
pub fn compared(errors: f64, baseline: f64) -> String {
    if errors == baseline {
        "same as single".to_string()
    } else if baseline == 0.0 {
        "more errors (single has none)".to_string()
    } else if errors == 0.0 {
        "no errors".to_string()
    } else if errors < baseline {
        format!("{:.1}x fewer errors", baseline / errors)
    } else {
        format!("{:.1}x more errors", errors / baseline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_shown_number_is_infinite_nan_or_negative_zero() {
        assert_eq!(percent(-0.0, 2), "0.00%");
        assert_eq!(percent(0.0575, 3), "5.750%");
        assert_eq!(percent(0.4225, 2), "42.25%");
        assert_eq!(percent(f64::NAN, 2), "-");
        assert_eq!(percent(f64::INFINITY, 2), "-");
        assert_eq!(amount(3.149_606), "3.15");
        assert_eq!(amount(-0.0), "0.00");
        assert_eq!(amount(3e15), "3.00e15");
        assert_eq!(amount(f64::INFINITY), "> 1e308");
        assert_eq!(amount(f64::NAN), "-");
    }

    #[test]
    fn decimals_are_short_and_exact_to_four_places() {
        assert_eq!(decimal(0.77), "0.77");
        assert_eq!(decimal(0.77 * 0.75), "0.5775");
        assert_eq!(decimal(1.0), "1");
        assert_eq!(decimal(0.0), "0");
        assert_eq!(decimal(-0.0), "0");
        assert_eq!(decimal(-0.000_01), "0");
        assert_eq!(decimal(0.123_456), "0.1235");
    }

    #[test]
    fn comparisons_read_correctly_both_ways() {
        assert_eq!(compared(0.427, 0.233), "1.8x more errors");
        assert_eq!(compared(0.165, 0.233), "1.4x fewer errors");
        assert_eq!(compared(0.233, 0.233), "same as single");
        assert_eq!(compared(0.0, 0.233), "no errors");
        assert_eq!(compared(0.01, 0.0), "more errors (single has none)");
    }
}
