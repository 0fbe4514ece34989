//! SVG charts for the coverage dashboard, rendered on the server as strings and sized for 360 px phones and print.
use std::borrow::Cow;
use std::fmt::{self, Write};

/// One bar: a label (e.g. a ward's name "Phường Hải Châu", with Vietnamese diacritics) and a value as a fraction (0.0..; may exceed 1.0, or be None when unknown, e.g. no population figure).
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
}

/// One point of a trend: a month label like "11/2026" and a fraction (None: no figure that month).
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
}

/// As wide as a small phone, so 13 viewBox units are 13 CSS px there.
const WIDTH: f64 = 360.0;
const PAD: f64 = 8.0;
const FONT: f64 = 13.0;
/// Average glyph width as a share of the font size, erring wide: the server has no font metrics.
const GLYPH: f64 = 0.6;
const INK: &str = "#1a1a1a";
const BAR: &str = "#0b4f9c";
const REACHED: &str = "#136f3a";
const TARGET: &str = "#b00020";
const GRID: &str = "#c4c4c4";
const FRAME: &str = "#767676";
/// Dashed, in the same red as [`TARGET`], so it reads as a threshold rather than data.
const TARGET_LINE: &str = r##" stroke="#b00020" stroke-width="2" stroke-dasharray="6 4""##;
/// A white outline under text keeps it legible where the target line or a gridline crosses it.
const HALO: &str = r##" stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke""##;
/// One bar row: its label line, the bar, and a gap.
const ROW: f64 = 44.0;
const MAX_MONTH_LABELS: usize = 6;

/// Horizontal bars (one row per bar, the label above its bar so long names fit at 360 px), a vertical dashed line at `target` (a fraction, e.g. 0.9) labelled with `target_label` (e.g. "Mục tiêu 90%"), the value printed after each bar as a percentage with a comma decimal ("87,5%", Vietnamese style) or `unknown_label` (e.g. "chưa có số dân") when None. Bars that reach the target are green instead of blue and, for readers who cannot tell the colours apart or print in black and white, get a ✓ after the value. `title` and `desc` go in `<title>`/`<desc>`, which `role="img"` and `aria-labelledby` point at (ids derived from `id_prefix`, which must be unique on the page).
pub fn bars(id_prefix: &str, title: &str, desc: &str, bars: &[Bar], target: f64, target_label: &str, unknown_label: &str) -> String {
    // Room above the first row for the target's label.
    const TOP: f64 = 24.0;
    const BAR_H: f64 = 16.0;
    let track = WIDTH - 2.0 * PAD;
    let values: Vec<Option<f64>> = bars.iter().map(|b| clean(b.value)).collect();
    let target = clean(Some(target));
    // Over 100 % happens (stale population figures): the scale stretches rather than cut a bar off.
    let scale = values.iter().flatten().chain(target.iter()).fold(1.0_f64, |m, &v| m.max(v));
    let x_of = |v: f64| PAD + v.min(scale) / scale * track;
    let height = TOP + ROW * bars.len() as f64 + 4.0;

    let mut out = String::with_capacity(600 + 300 * bars.len());
    open(&mut out, id_prefix, title, desc, height);
    // Shapes, then the target line, then all text, so no text is painted over.
    let mut shapes = String::new();
    let mut labels = String::new();
    let unknown = fit(unknown_label, track);
    for (i, (bar, value)) in bars.iter().zip(&values).enumerate() {
        let y = TOP + ROW * i as f64;
        let _ = write!(labels, r#"<text x="{}" y="{}"{HALO}>{}</text>"#, N(PAD), N(y + 15.0), Esc(&fit(&bar.label, track)));
        let Some(v) = *value else {
            let _ = write!(labels, r#"<text x="{}" y="{}" font-style="italic">{}</text>"#, N(PAD), N(y + 33.0), Esc(&unknown));
            continue;
        };
        let reached = target.is_some_and(|t| reaches(v, t));
        let end = x_of(v);
        let fill = if reached { REACHED } else { BAR };
        let _ = write!(
            shapes,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"/>"#,
            N(PAD), N(y + 20.0), N(end - PAD), N(BAR_H)
        );
        let text = if reached { percent(v) + " ✓" } else { percent(v) };
        if end + 4.0 + text_width(&text) <= WIDTH - PAD {
            let _ = write!(labels, r#"<text x="{}" y="{}"{HALO}>{text}</text>"#, N(end + 4.0), N(y + 33.0));
        } else {
            // A long bar leaves no room after its end: the value goes inside, white on the dark fill.
            let _ = write!(labels, r##"<text x="{}" y="{}" text-anchor="end" fill="#fff">{text}</text>"##, N(end - 4.0), N(y + 33.0));
        }
    }
    out.push_str(&shapes);
    if let Some(t) = target {
        let x = N(x_of(t));
        let _ = write!(out, r#"<line x1="{x}" y1="21" x2="{x}" y2="{}"{TARGET_LINE}/>"#, N(height - 2.0));
        let label = fit(target_label, track);
        let lx = N(centre(x_of(t), text_width(&label)));
        let _ = write!(out, r#"<text x="{lx}" y="16" text-anchor="middle" fill="{TARGET}">{}</text>"#, Esc(&label));
    }
    out.push_str(&labels);
    out.push_str("</svg>");
    out
}

/// A line chart of monthly values with dots, the y axis 0–100 % with gridlines at 0/25/50/75/100 %, the target as a dashed horizontal line with its label, month labels on the x axis (thinned out to at most 6, always including the latest), the last known value labelled. Gaps (None) break the line. Zero points: an SVG with only the frame and the text `empty_label`.
pub fn trend(id_prefix: &str, title: &str, desc: &str, points: &[Point], target: f64, target_label: &str, empty_label: &str) -> String {
    const HEIGHT: f64 = 210.0;
    // Room on the left for "100%" and below for the months.
    const LEFT: f64 = 44.0;
    const RIGHT: f64 = WIDTH - 16.0;
    const TOP: f64 = 12.0;
    const BOTTOM: f64 = HEIGHT - 28.0;
    // Keeps the first and last dots off the frame.
    const INSET: f64 = 10.0;
    let n = points.len();
    let values: Vec<Option<f64>> = points.iter().map(|p| clean(p.value)).collect();
    let target = clean(Some(target));
    // The axis stays labelled 0–100 %; a month over 100 % stretches it upwards instead of being cut off.
    let scale = values.iter().flatten().chain(target.iter()).fold(1.0_f64, |m, &v| m.max(v));
    let y_of = |v: f64| BOTTOM - v.min(scale) / scale * (BOTTOM - TOP);
    let x_of = |i: usize| {
        if n == 1 { (LEFT + RIGHT) / 2.0 } else { LEFT + INSET + (RIGHT - LEFT - 2.0 * INSET) * i as f64 / (n - 1) as f64 }
    };
    let (left, right) = (N(LEFT), N(RIGHT));

    let mut out = String::with_capacity(1500 + 120 * n);
    open(&mut out, id_prefix, title, desc, HEIGHT);
    if n > 0 {
        for quarter in 0..=4_u32 {
            let yv = y_of(f64::from(quarter) / 4.0);
            let y = N(yv);
            let _ = write!(out, r#"<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="{GRID}"/>"#);
            let _ = write!(out, r#"<text x="{}" y="{}" text-anchor="end">{}%</text>"#, N(LEFT - 6.0), N(yv + 4.5), quarter * 25);
        }
    }
    let _ = write!(
        out,
        r#"<rect x="{left}" y="{}" width="{}" height="{}" fill="none" stroke="{FRAME}"/>"#,
        N(TOP), N(RIGHT - LEFT), N(BOTTOM - TOP)
    );
    if n == 0 {
        let label = fit(empty_label, RIGHT - LEFT - 8.0);
        let (x, y) = (N((LEFT + RIGHT) / 2.0), N((TOP + BOTTOM) / 2.0 + 4.5));
        let _ = write!(out, r#"<text x="{x}" y="{y}" text-anchor="middle">{}</text></svg>"#, Esc(&label));
        return out;
    }

    let mut labels = String::new();
    if let Some(t) = target {
        let yv = y_of(t);
        let y = N(yv);
        let _ = write!(out, r#"<line x1="{left}" y1="{y}" x2="{right}" y2="{y}"{TARGET_LINE}/>"#);
        // Above the line unless that would leave the frame.
        let ly = if yv - TOP >= 18.0 { yv - 5.0 } else { yv + 16.0 };
        let label = fit(target_label, RIGHT - LEFT - 8.0);
        let _ = write!(labels, r#"<text x="{}" y="{}" fill="{TARGET}"{HALO}>{}</text>"#, N(LEFT + 4.0), N(ly), Esc(&label));
    }

    let mut d = String::new();
    let mut dots = String::new();
    let mut pen_down = false;
    for (i, value) in values.iter().enumerate() {
        let Some(v) = *value else {
            pen_down = false;
            continue;
        };
        let (x, y) = (N(x_of(i)), N(y_of(v)));
        let _ = write!(d, "{}{x} {y}", if pen_down { 'L' } else { 'M' });
        let _ = write!(dots, r#"<circle cx="{x}" cy="{y}" r="3.5"/>"#);
        pen_down = true;
    }
    if !d.is_empty() {
        let _ = write!(out, r#"<path d="{d}" fill="none" stroke="{BAR}" stroke-width="2.5" stroke-linejoin="round"/>"#);
        let _ = write!(out, r#"<g fill="{BAR}">{dots}</g>"#);
    }

    // Counting back from the latest month keeps it labelled: it is the one readers look for.
    let step = n.div_ceil(MAX_MONTH_LABELS);
    labels.push_str(r#"<g text-anchor="middle">"#);
    for (i, point) in points.iter().enumerate().rev().step_by(step) {
        let label = fit(&point.label, WIDTH - 2.0 * PAD);
        let _ = write!(labels, r#"<text x="{}" y="{}">{}</text>"#, N(centre(x_of(i), text_width(&label))), N(BOTTOM + 18.0), Esc(&label));
    }
    if let Some((i, v)) = values.iter().enumerate().rev().find_map(|(i, v)| v.map(|v| (i, v))) {
        let text = percent(v);
        let y = y_of(v);
        // Above the dot, or below it when the dot sits at the top of the frame.
        let ty = if y - TOP >= 22.0 { y - 9.0 } else { y + 20.0 };
        let x = N(centre(x_of(i), text_width(&text)));
        let _ = write!(labels, r#"<text x="{x}" y="{}" font-weight="bold"{HALO}>{text}</text>"#, N(ty));
    }
    labels.push_str("</g>");
    out.push_str(&labels);
    out.push_str("</svg>");
    out
}

/// "87,5%" (one decimal, comma), used for the labels: also public, the pages reuse it.
pub use super::domain::percent;

/// NaN and infinities are no figure at all; a negative share can only be a data error and is drawn as nothing.
fn clean(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite()).map(|v| v.max(0.0))
}

/// Compared at the printed precision, so a bar shown as "90,0%" never lacks the ✓ of a 90 % target.
fn reaches(value: f64, target: f64) -> bool {
    (value * 1000.0).round() >= (target * 1000.0).round()
}

/// Two charts on one page need distinct ids, and a stray character in the prefix must not break the markup.
fn id_base(prefix: &str) -> String {
    let mut id: String = prefix.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id.insert(0, 'c');
    }
    id
}

fn open(out: &mut String, id_prefix: &str, title: &str, desc: &str, height: f64) {
    let id = id_base(id_prefix);
    let (w, h) = (N(WIDTH), N(height));
    // No height attribute: with width="100%" the browser takes the height from the viewBox's aspect.
    // Presentation attributes only, no `style`, so a strict CSP allows the markup; the white background
    // keeps the dark text readable on a dark page.
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" aria-labelledby="{id}-title {id}-desc" "#
    );
    let _ = write!(out, r#"font-family="system-ui, sans-serif" font-size="{}" fill="{INK}">"#, N(FONT));
    let _ = write!(out, r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#, Esc(title), Esc(desc));
    let _ = write!(out, r##"<rect width="{w}" height="{h}" fill="#fff"/>"##);
}

fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * FONT * GLYPH
}

/// Cut with an ellipsis to fit `room`, so an unusually long name cannot run off a phone screen.
fn fit(text: &str, room: f64) -> Cow<'_, str> {
    let max = (room / (FONT * GLYPH)).floor() as usize;
    if text.chars().count() <= max {
        return Cow::Borrowed(text);
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    Cow::Owned(cut)
}

/// The centre for middle-anchored text of width `w` near `x`, kept inside the viewBox.
fn centre(x: f64, w: f64) -> f64 {
    let half = (w / 2.0).min(WIDTH / 2.0 - PAD);
    x.max(PAD + half).min(WIDTH - PAD - half)
}

/// A coordinate rounded to one decimal, without a trailing ".0": sub-pixel precision only bloats the page.
#[derive(Clone, Copy)]
struct N(f64);

impl fmt::Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths = (self.0 * 10.0).round() as i64;
        let sign = if tenths < 0 { "-" } else { "" };
        let t = tenths.unsigned_abs();
        if t.is_multiple_of(10) { write!(f, "{sign}{}", t / 10) } else { write!(f, "{sign}{}.{}", t / 10, t % 10) }
    }
}

/// Text escaped for XML content and attribute values alike.
struct Esc<'a>(&'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&apos;")?,
                // XML forbids most control characters; one would make the browser drop the whole chart.
                c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {}
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGET_LABEL: &str = "Mục tiêu 90%";
    const UNKNOWN: &str = "chưa có số dân";
    const EMPTY: &str = "Chưa có số liệu";

    fn bar(label: &str, value: Option<f64>) -> Bar {
        Bar { label: label.into(), value }
    }

    fn point(label: &str, value: Option<f64>) -> Point {
        Point { label: label.into(), value }
    }

    fn bar_chart(items: &[Bar]) -> String {
        bars("wards", "Độ phủ theo phường", "Tỷ lệ công dân số", items, 0.9, TARGET_LABEL, UNKNOWN)
    }

    fn trend_chart(points: &[Point]) -> String {
        trend("trend", "Độ phủ theo tháng", "Tỷ lệ công dân số", points, 0.9, TARGET_LABEL, EMPTY)
    }

    /// `n` months from 1/2025 on, rising.
    fn months(n: usize) -> Vec<Point> {
        (0..n).map(|i| point(&format!("{}/{}", i % 12 + 1, 2025 + i / 12), Some(0.3 + 0.02 * i as f64))).collect()
    }

    fn view_height(svg: &str) -> f64 {
        let rest = svg.split(r#"viewBox="0 0 360 "#).nth(1).unwrap();
        rest[..rest.find('"').unwrap()].parse::<f64>().unwrap()
    }

    /// Every number written as an attribute `name="…"` (the root's `width="100%"` is not one).
    fn numbers(svg: &str, name: &str) -> Vec<f64> {
        let key = format!(r#" {name}=""#);
        svg.match_indices(&key)
            .filter_map(|(i, _)| {
                let rest = &svg[i + key.len()..];
                rest[..rest.find('"').unwrap()].parse::<f64>().ok()
            })
            .collect()
    }

    /// Tags nest and close, quotes pair up, and every `&` starts an entity: enough to catch a broken chart.
    fn assert_well_formed(svg: &str) {
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"), "{svg}");
        let mut open: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            let end = start + rest[start..].find('>').expect("an unclosed tag");
            let tag = &rest[start + 1..end];
            assert_eq!(tag.matches('"').count() % 2, 0, "unpaired quote in <{tag}>");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(name), "in {svg}");
            } else if !tag.ends_with('/') {
                open.push(tag.split_whitespace().next().unwrap());
            }
            rest = &rest[end + 1..];
            if open.is_empty() {
                assert!(rest.is_empty(), "content after the root element in {svg}");
            }
        }
        assert!(open.is_empty(), "unclosed {open:?}");
        for (i, _) in svg.match_indices('&') {
            assert!(["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"].iter().any(|e| svg[i..].starts_with(e)), "bare & in {svg}");
        }
    }

    #[test]
    fn percent_uses_a_comma_and_one_decimal() {
        assert_eq!(percent(0.875), "87,5%");
        assert_eq!(percent(0.9), "90,0%");
        assert_eq!(percent(1.0), "100,0%");
        assert_eq!(percent(1.234), "123,4%");
        assert_eq!(percent(1.0 / 3.0), "33,3%");
        assert_eq!(percent(0.0), "0,0%");
        assert_eq!(percent(-0.0001), "0,0%");
        assert_eq!(percent(-0.05), "-5,0%");
        assert_eq!(percent(f64::NAN), "0,0%");
    }

    #[test]
    fn bars_escape_labels_and_mark_reached_targets() {
        let svg = bar_chart(&[bar(r#"Phường <Hải> Châu & "Tây" 'cũ'"#, Some(0.95)), bar("Phường Thạch Thang", Some(0.5))]);
        assert!(svg.contains("Phường &lt;Hải&gt; Châu &amp; &quot;Tây&quot; &apos;cũ&apos;"), "{svg}");
        assert!(!svg.contains("<Hải>"));
        assert!(svg.contains(">95,0% ✓</text>"), "{svg}");
        assert!(svg.contains(">50,0%</text>"), "{svg}");
        assert_eq!(svg.matches('✓').count(), 1);
        assert!(svg.contains(&format!(r#"fill="{REACHED}""#)) && svg.contains(&format!(r#"fill="{BAR}""#)));
        assert!(svg.contains(TARGET_LABEL) && svg.contains(r#"stroke-dasharray="6 4""#));
    }

    #[test]
    fn a_bar_printed_at_the_target_counts_as_reached() {
        let svg = bar_chart(&[bar("Phường Hòa Cường", Some(0.899_99))]);
        assert!(svg.contains(">90,0% ✓</text>"), "{svg}");
    }

    #[test]
    fn bars_say_when_a_value_is_unknown() {
        let svg = bar_chart(&[bar("Phường Hòa Khánh", None), bar("Phường An Hải", Some(f64::NAN))]);
        assert_eq!(svg.matches(UNKNOWN).count(), 2);
        // Only the background: no bar is drawn for a missing figure.
        assert_eq!(svg.matches("<rect").count(), 1);
        assert!(!svg.contains(",0%"), "{svg}");
    }

    #[test]
    fn negative_values_are_drawn_as_zero() {
        let svg = bar_chart(&[bar("Phường Mỹ An", Some(-0.2))]);
        assert!(svg.contains(">0,0%</text>"), "{svg}");
        assert!(numbers(&svg, "width").iter().all(|&w| w >= 0.0));
    }

    #[test]
    fn bars_grow_by_one_row_each() {
        let two = bar_chart(&[bar("A", Some(0.1)), bar("B", Some(0.2))]);
        let three = bar_chart(&[bar("A", Some(0.1)), bar("B", Some(0.2)), bar("C", Some(0.3))]);
        assert_eq!(view_height(&three) - view_height(&two), ROW);
    }

    #[test]
    fn long_bars_keep_their_value_inside_the_view() {
        let full = bar_chart(&[bar("Phường Hải Châu", Some(1.0)), bar("Phường Cẩm Lệ", Some(0.1))]);
        assert!(full.contains(r##"text-anchor="end" fill="#fff">100,0% ✓</text>"##), "{full}");
        // Over 100 %: the scale stretches to the largest bar.
        let over = bar_chart(&[bar("Phường Sơn Trà", Some(1.6)), bar("Phường Ngũ Hành Sơn", Some(1.5))]);
        assert!(over.contains(r##"text-anchor="end" fill="#fff">160,0% ✓</text>"##), "{over}");
        assert!(over.contains(r##"text-anchor="end" fill="#fff">150,0% ✓</text>"##), "{over}");
        for svg in [full, over] {
            assert!(numbers(&svg, "x").iter().all(|&x| (0.0..=WIDTH - PAD).contains(&x)), "{svg}");
            let widths = numbers(&svg, "width");
            assert!(widths.iter().filter(|&&w| w < WIDTH).all(|&w| w <= WIDTH - 2.0 * PAD), "{svg}");
        }
    }

    #[test]
    fn a_very_long_name_is_cut_to_fit() {
        let name = "Phường ".repeat(20);
        let svg = bar_chart(&[bar(&name, Some(0.5))]);
        assert!(!svg.contains(name.trim()) && svg.contains('…'), "{svg}");
    }

    #[test]
    fn ids_come_from_the_prefix() {
        let svg = bars("cov 2026", "Tiêu đề", "Mô tả", &[], 0.9, TARGET_LABEL, UNKNOWN);
        assert!(svg.contains(r#"role="img" aria-labelledby="cov-2026-title cov-2026-desc""#), "{svg}");
        assert!(svg.contains(r#"<title id="cov-2026-title">Tiêu đề</title><desc id="cov-2026-desc">Mô tả</desc>"#), "{svg}");
        let svg = trend("9\"x", "T", "D", &[], 0.9, TARGET_LABEL, EMPTY);
        assert!(svg.contains(r#"id="c9-x-title""#), "{svg}");
    }

    #[test]
    fn charts_use_a_phone_wide_view_and_readable_text() {
        for svg in [bar_chart(&[bar("A", Some(0.5))]), trend_chart(&months(3))] {
            assert!(svg.contains(r#"viewBox="0 0 360 "#) && svg.contains(r#"width="100%""#), "{svg}");
            assert!(!svg.contains(" height=\"100%\""));
            assert_eq!(svg.matches("font-size=").count(), 1);
            assert!(svg.contains(r#"font-size="13""#) && svg.contains(r#"font-family="system-ui, sans-serif""#));
        }
    }

    #[test]
    fn an_empty_trend_says_so() {
        let svg = trend_chart(&[]);
        assert!(svg.contains(&format!(">{EMPTY}</text>")), "{svg}");
        assert!(svg.contains(&format!(r#"fill="none" stroke="{FRAME}""#)), "{svg}");
        for shape in ["<path", "<circle", "<line", TARGET_LABEL] {
            assert!(!svg.contains(shape), "{shape} in {svg}");
        }
    }

    #[test]
    fn trend_draws_gridlines_and_the_target() {
        let svg = trend_chart(&months(3));
        for tick in [">0%<", ">25%<", ">50%<", ">75%<", ">100%<"] {
            assert!(svg.contains(tick), "{tick} missing in {svg}");
        }
        assert!(svg.contains(TARGET_LABEL) && svg.contains(r#"stroke-dasharray="6 4""#));
    }

    #[test]
    fn trend_thins_out_month_labels() {
        let points = months(24);
        let svg = trend_chart(&points);
        let shown: Vec<&str> = points.iter().map(|p| p.label.as_str()).filter(|l| svg.contains(&format!(">{l}</text>"))).collect();
        assert!((4..=MAX_MONTH_LABELS).contains(&shown.len()), "{shown:?}");
        assert!(shown.contains(&"12/2026"), "the latest month is labelled: {shown:?}");

        let points = months(4);
        let svg = trend_chart(&points);
        assert!(points.iter().all(|p| svg.contains(&format!(">{}</text>", p.label))), "{svg}");
    }

    #[test]
    fn trend_gaps_break_the_line() {
        let values = [Some(0.2), Some(0.3), None, Some(0.5), Some(0.6)];
        let points: Vec<Point> = values.iter().enumerate().map(|(i, &v)| point(&format!("{}/2026", i + 1), v)).collect();
        let svg = trend_chart(&points);
        let d = svg.split(r#"<path d=""#).nth(1).unwrap();
        let d = &d[..d.find('"').unwrap()];
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(d.matches('L').count(), 2, "{d}");
        assert_eq!(svg.matches("<circle").count(), 4);
    }

    #[test]
    fn trend_labels_the_last_known_value() {
        let svg = trend_chart(&[point("10/2026", Some(0.5)), point("11/2026", Some(0.625)), point("12/2026", None)]);
        assert!(svg.contains(">62,5%</text>"), "{svg}");
        assert!(!svg.contains(">50,0%</text>"), "{svg}");
    }

    #[test]
    fn coordinates_have_at_most_one_decimal() {
        let thirds: Vec<Point> = (0..7).map(|i| point("1/2026", Some(f64::from(i) / 7.0))).collect();
        let svgs = [bar_chart(&[bar("A", Some(1.0 / 3.0)), bar("B", Some(2.0 / 7.0))]), trend_chart(&thirds)];
        for svg in &svgs {
            let bytes = svg.as_bytes();
            for (i, _) in svg.match_indices('.').filter(|&(i, _)| i > 0 && bytes[i - 1].is_ascii_digit()) {
                assert!(bytes[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count() <= 1, "{}", &svg[i - 5..i + 8]);
            }
        }
    }

    #[test]
    fn the_svg_is_well_formed() {
        let odd = [bar("a\u{0}b <c> & 'd' \"e\"", Some(0.5)), bar("", None), bar("x", Some(f64::INFINITY)), bar("y", Some(7.0))];
        let svgs = [
            bar_chart(&odd),
            bar_chart(&[]),
            bars("<&>", "<t>", "&d", &odd, f64::NAN, "<&>", "<&>"),
            trend_chart(&[]),
            trend_chart(&months(1)),
            trend_chart(&months(40)),
            trend_chart(&[point("<&>", None), point("'\"", Some(1.5))]),
        ];
        for svg in &svgs {
            assert_well_formed(svg);
        }
        assert!(svgs[0].contains(">ab &lt;c&gt; &amp; &apos;d&apos; &quot;e&quot;</text>"), "{}", svgs[0]);
        assert_eq!(bar_chart(&odd), svgs[0], "the same input gives the same markup");
    }
}
