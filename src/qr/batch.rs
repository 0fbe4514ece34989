//! The offline batch: QR codes of pre-signed tokens for the next 24 hours, one per time window, that the phone
//! keeps so the QR page opens with no network. The server draws each code and sends its modules as packed bits, so
//! no QR encoder is in the WASM; the islands of the QR pages (src/qr/ui.rs) keep the batch and draw the code of the
//! moment with this very reader, compiled for the browser too. Only the writer, which signs, is server-only.
//!
//! Text form, one code per line after the header (small, and read without a JSON library):
//! ```text
//! CDSQR1 <preset> <made_at unix s>
//! <from unix s> <until unix s> <width> <modules: base64 of row-major bits, dark = 1, first module = high bit>
//! ```
use super::Preset;

pub const HEADER: &str = "CDSQR1";
/// Where the phone keeps the batch, as the text above (`localStorage`); cleared on sign-out
/// (`crate::app::FORGET_KEPT_CODES`).
pub const STORAGE_KEY: &str = "cds-qr";
/// How long one offline code is shown; a token is valid for its window plus [`GRACE_SECONDS`].
pub const WINDOW_SECONDS: i64 = 30 * 60;
/// How many windows a batch covers: the next 24 hours, the current window included.
pub const WINDOWS: i64 = 24 * 3600 / WINDOW_SECONDS + 1;
/// A slow scan just after a window ends still works.
pub const GRACE_SECONDS: i64 = 120;
/// How old a kept batch may be before the QR page fetches a new one: it still covers a day ahead.
pub const REFRESH_AFTER: i64 = 3600;
/// The sizes of QR codes (versions 1 to 40), in modules.
const WIDTHS: std::ops::RangeInclusive<usize> = 21..=177;
/// The light margin around a drawn code, in modules (what scanners expect).
pub const QUIET_ZONE: usize = 4;

/// One code of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Code {
    pub from: i64,
    pub until: i64,
    pub width: usize,
    pub modules: Vec<u8>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    pub preset: Preset,
    pub made_at: i64,
    pub codes: Vec<Code>,
}

impl Batch {
    /// Reads a batch. Anything damaged, cut short or foreign (another header, an unknown preset, a field too many
    /// or too few, a bad number, base64 or size) refuses the whole batch.
    pub fn parse(text: &str) -> Option<Batch> {
        let mut lines = text.lines();
        let mut head = lines.next()?.split(' ');
        if head.next()? != HEADER {
            return None;
        }
        let preset = Preset::parse(head.next()?)?;
        let made_at = head.next()?.parse().ok()?;
        if head.next().is_some() {
            return None;
        }
        let mut codes = Vec::new();
        for line in lines.filter(|l| !l.is_empty()) {
            codes.push(Code::parse(line)?);
        }
        Some(Batch { preset, made_at, codes })
    }

    /// The code for this moment, if the batch still covers it.
    pub fn current(&self, now: i64) -> Option<&Code> {
        self.codes.iter().find(|c| c.from <= now && now < c.until)
    }

    /// When the last code ends.
    pub fn until(&self) -> i64 {
        self.codes.iter().map(|c| c.until).max().unwrap_or(0)
    }

    /// Whether the QR page may keep this batch for `preset` as it is, rather than fetch a new one: same preset,
    /// made less than [`REFRESH_AFTER`] ago (a batch "made" in the future, by a clock put right since, is not).
    pub fn fresh_for(&self, preset: Preset, now: i64) -> bool {
        self.preset == preset && (0..REFRESH_AFTER).contains(&now.saturating_sub(self.made_at))
    }

    /// The whole hours left until the last code ends ("saved for N hours"); none once they have all ended.
    pub fn hours_left(&self, now: i64) -> Option<i64> {
        let left = self.until().saturating_sub(now);
        (left > 0).then_some(left / 3600)
    }
}

impl Code {
    fn parse(line: &str) -> Option<Code> {
        let mut fields = line.split(' ');
        let from: i64 = fields.next()?.parse().ok()?;
        let until: i64 = fields.next()?.parse().ok()?;
        let width: usize = fields.next()?.parse().ok()?;
        let modules = decode_base64(fields.next()?)?;
        // the width is checked before it is squared
        let fits = from < until && WIDTHS.contains(&width) && modules.len() == (width * width).div_ceil(8);
        (fits && fields.next().is_none()).then_some(Code { from, until, width, modules })
    }

    pub fn dark(&self, x: usize, y: usize) -> bool {
        if x >= self.width || y >= self.width {
            return false;
        }
        let i = y * self.width + x;
        self.modules.get(i / 8).is_some_and(|byte| byte & (0x80 >> (i % 8)) != 0)
    }

    /// The code as SVG: white, then one black path of the horizontal runs of dark modules, inside a quiet zone of
    /// [`QUIET_ZONE`] modules.
    pub fn svg(&self) -> String {
        use std::fmt::Write as _;
        let size = self.width + 2 * QUIET_ZONE;
        let mut path = String::new();
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if !self.dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.width && self.dark(x, y) {
                    x += 1;
                }
                let run = x - start;
                let _ = write!(path, "M{} {}h{run}v1h-{run}z", start + QUIET_ZONE, y + QUIET_ZONE);
            }
        }
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>"##
        )
    }
}

/// What the offline QR page shows from the value the phone kept under [`STORAGE_KEY`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kept {
    /// Nothing kept, or nothing readable: damaged, cut short, or another value under the key.
    Nothing,
    /// A batch, but no code for this moment: they have all ended (or the phone's clock is far behind).
    Ended,
    /// The code of this moment, drawn, and when its window ends.
    Current { preset: Preset, until: i64, svg: String },
}

impl Kept {
    pub fn at(kept: Option<&str>, now: i64) -> Kept {
        let Some(batch) = kept.and_then(Batch::parse) else { return Kept::Nothing };
        match batch.current(now) {
            Some(code) => Kept::Current { preset: batch.preset, until: code.until, svg: code.svg() },
            None => Kept::Ended,
        }
    }
}

/// Standard base64 with padding, strictly: a length in fours, `=` only at the end, and no stray bits under the
/// padding (the server writes it with `data_encoding::BASE64`, which the browser build does not carry).
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let quads = text.len() / 4;
    for (i, quad) in text.chunks_exact(4).enumerate() {
        let pad = if i + 1 == quads { quad.iter().rev().take_while(|&&c| c == b'=').count() } else { 0 };
        if pad > 2 {
            return None;
        }
        let mut bits: u32 = 0;
        for &c in &quad[..4 - pad] {
            bits = (bits << 6) | u32::from(sextet(c)?);
        }
        bits <<= 6 * pad;
        let kept = 3 - pad;
        if bits & (0x00ff_ffff >> (8 * kept)) != 0 {
            return None;
        }
        out.extend_from_slice(&bits.to_be_bytes()[1..1 + kept]);
    }
    Some(out)
}

fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// The batch for a token signer: one token per window from the window holding `now`, drawn as QR modules.
#[cfg(feature = "ssr")]
pub fn write(preset: Preset, now: i64, mut sign: impl FnMut(i64, i64) -> String) -> String {
    let first = now - now.rem_euclid(WINDOW_SECONDS);
    let mut out = format!("{HEADER} {} {now}\n", preset.as_str());
    for i in 0..WINDOWS {
        let from = first + i * WINDOW_SECONDS;
        let until = from + WINDOW_SECONDS;
        let token = sign(from, until + GRACE_SECONDS);
        let Ok(code) = qrcode::QrCode::with_error_correction_level(token.as_bytes(), qrcode::EcLevel::M) else {
            continue;
        };
        let width = code.width();
        let mut modules = vec![0u8; (width * width).div_ceil(8)];
        for (i, color) in code.to_colors().into_iter().enumerate() {
            if color == qrcode::Color::Dark {
                modules[i / 8] |= 0x80 >> (i % 8);
            }
        }
        out.push_str(&format!("{from} {until} {width} {}\n", data_encoding::BASE64.encode(&modules)));
    }
    out
}

// The tests write batches with the server's writer and encoder.
#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    /// A 21 × 21 code with the modules of `dark` set, as its batch line.
    fn line(from: i64, until: i64, dark: &[(usize, usize)]) -> String {
        let mut modules = vec![0u8; (21 * 21usize).div_ceil(8)];
        for &(x, y) in dark {
            let i = y * 21 + x;
            modules[i / 8] |= 0x80 >> (i % 8);
        }
        format!("{from} {until} 21 {}\n", data_encoding::BASE64.encode(&modules))
    }

    fn batch(lines: &[String]) -> String {
        format!("CDSQR1 basic 1000\n{}", lines.concat())
    }

    #[test]
    fn a_batch_covers_the_next_day_window_by_window() {
        let now = 1_795_400_123;
        let mut signed = Vec::new();
        let text = write(Preset::Basic, now, |from, expires| {
            signed.push((from, expires));
            format!("CDS1:TOKEN{from}")
        });
        let batch = Batch::parse(&text).expect("parses");
        assert_eq!(batch.preset, Preset::Basic);
        assert_eq!(batch.made_at, now);
        assert_eq!(batch.codes.len() as i64, WINDOWS);
        assert!(batch.until() >= now + 24 * 3600);
        assert!(signed.iter().all(|(_, expires)| expires - now <= crate::qr::keys::MAX_TOKEN_SECONDS), "keys outlive codes");
        let current = batch.current(now).expect("a code for now");
        assert!(current.from <= now && now < current.until);
        assert_eq!(batch.current(now + 3 * 3600).unwrap().from, current.from + 6 * WINDOW_SECONDS);
        assert!(batch.current(batch.until()).is_none());
        // each token expires after its window, with grace for a slow scan
        assert!(signed.iter().all(|(from, expires)| *expires == from + WINDOW_SECONDS + GRACE_SECONDS));
        // the drawn modules are the encoder's
        let reference = qrcode::QrCode::with_error_correction_level(
            format!("CDS1:TOKEN{}", current.from).as_bytes(),
            qrcode::EcLevel::M,
        )
        .unwrap();
        assert_eq!(current.width, reference.width());
        let colors = reference.to_colors();
        for y in 0..current.width {
            for x in 0..current.width {
                assert_eq!(current.dark(x, y), colors[y * current.width + x] == qrcode::Color::Dark);
            }
        }
    }

    #[test]
    fn signing_out_forgets_the_kept_codes() {
        assert!(crate::app::FORGET_KEPT_CODES.contains(&format!("'{STORAGE_KEY}'")));
    }

    #[test]
    fn a_well_formed_batch_is_read_line_by_line() {
        let text = batch(&[line(1000, 2800, &[(0, 0)]), line(2800, 4600, &[(20, 20)])]);
        let read = Batch::parse(&text).expect("parses");
        assert_eq!((read.preset, read.made_at, read.codes.len()), (Preset::Basic, 1000, 2));
        assert_eq!((read.codes[1].from, read.codes[1].until, read.codes[1].width), (2800, 4600, 21));
        assert!(read.codes[0].dark(0, 0) && !read.codes[0].dark(1, 0) && read.codes[1].dark(20, 20));
        // outside the code is light, never a panic
        assert!(!read.codes[1].dark(21, 20) && !read.codes[1].dark(usize::MAX, 0));
        // empty lines and a CRLF ending are tolerated; a batch with no codes is read (and covers nothing)
        assert_eq!(Batch::parse(&text.replace('\n', "\r\n")).expect("crlf").codes.len(), 2);
        assert_eq!(Batch::parse(&format!("{text}\n\n")).expect("blank lines").codes.len(), 2);
        assert_eq!(Batch::parse("CDSQR1 basic 1\n").expect("empty").codes.len(), 0);
        assert_eq!(Batch::parse("CDSQR1 full 1").expect("no newline").preset, Preset::Full);
    }

    #[test]
    fn damaged_batches_are_refused() {
        let good = line(1000, 2800, &[(3, 4)]);
        let base64 = good.trim_end().rsplit(' ').next().expect("modules").to_owned();
        let refused = [
            ("", "nothing"),
            ("OTHER basic 1\n", "another header"),
            ("cdsqr1 basic 1\n", "header in another case"),
            ("CDSQR2 basic 1\n", "another version"),
            ("CDSQR1\n", "no preset"),
            ("CDSQR1 basic\n", "no time"),
            ("CDSQR1 secret 1\n", "unknown preset"),
            ("CDSQR1 basic soon\n", "time not a number"),
            ("CDSQR1 basic 1 2\n", "a field too many in the header"),
            ("CDSQR1  basic 1\n", "two spaces"),
            ("{\"preset\":\"basic\"}", "another app's value"),
        ];
        for (text, why) in refused {
            assert_eq!(Batch::parse(text), None, "{why}");
        }
        let lines = [
            format!("1000 2800 21 {base64} extra\n"),
            "1000 2800 21\n".to_owned(),
            "1000 2800\n".to_owned(),
            format!("x 2800 21 {base64}\n"),
            format!("1000 y 21 {base64}\n"),
            format!("2800 1000 21 {base64}\n"),
            format!("1000 1000 21 {base64}\n"),
            format!("1000 2800 -21 {base64}\n"),
            format!("1000 2800 20 {base64}\n"),
            format!("1000 2800 22 {base64}\n"),
            format!("1000 2800 178 {base64}\n"),
            format!("1000 2800 99999999999 {base64}\n"),
            "1000 2800 21 AAAA\n".to_owned(),
            "1000 2800 21 ab!c\n".to_owned(),
            format!("1000 2800 21 {}\n", &base64[..base64.len() - 4]),
            format!("1000 2800 21 {}A\n", &base64[..base64.len() - 1]),
            format!("1000 2800 21 {base64}AAAA\n"),
            format!("1000  2800 21 {base64}\n"),
        ];
        for bad in lines {
            let text = batch(&[good.clone(), bad.clone()]);
            assert_eq!(Batch::parse(&text), None, "{bad:?}");
        }
        // a batch cut short anywhere (storage full, a broken download) is refused, not read in part
        let whole = batch(&[good.clone(), line(2800, 4600, &[(1, 1)])]);
        assert!(Batch::parse(&whole).is_some());
        let header = whole.find('\n').expect("a header line") + 1;
        for cut in header..whole.len() {
            // a cut at the end of a line leaves whole codes: a shorter batch, not a damaged one
            let at_line_end = whole[..cut].ends_with('\n') || whole[cut..].starts_with('\n');
            if !at_line_end {
                assert_eq!(Batch::parse(&whole[..cut]), None, "cut at {cut}");
            }
        }
    }

    #[test]
    fn the_current_code_is_the_one_whose_window_holds_the_moment() {
        let text = batch(&[line(1000, 2800, &[]), line(2800, 4600, &[(0, 0)])]);
        let read = Batch::parse(&text).expect("parses");
        assert_eq!(read.current(999), None, "before the first window");
        assert_eq!(read.current(1000).map(|c| c.from), Some(1000));
        assert_eq!(read.current(2799).map(|c| c.from), Some(1000));
        assert_eq!(read.current(2800).map(|c| c.from), Some(2800), "a window ends where the next begins");
        assert_eq!(read.current(4600), None, "after the last window");
        assert_eq!(read.until(), 4600);
        assert_eq!(Batch::parse("CDSQR1 basic 1\n").expect("empty").until(), 0);
        assert_eq!(read.hours_left(1000), Some(1));
        assert_eq!(read.hours_left(4599), Some(0));
        assert_eq!(read.hours_left(4600), None);
    }

    #[test]
    fn a_kept_batch_is_fetched_again_for_another_preset_or_after_an_hour() {
        let read = Batch::parse(&batch(&[line(1000, 2800, &[])])).expect("parses");
        assert!(read.fresh_for(Preset::Basic, 1000));
        assert!(read.fresh_for(Preset::Basic, 1000 + REFRESH_AFTER - 1));
        assert!(!read.fresh_for(Preset::Basic, 1000 + REFRESH_AFTER));
        assert!(!read.fresh_for(Preset::Adult, 1000), "another preset");
        assert!(!read.fresh_for(Preset::Basic, 999), "made in the future: the phone's clock was wrong");
        let odd = Batch { made_at: i64::MIN, ..read };
        assert!(!odd.fresh_for(Preset::Basic, i64::MAX), "no overflow");
    }

    #[test]
    fn a_tiny_code_draws_as_runs_inside_the_quiet_zone() {
        let text = batch(&[line(1000, 2800, &[(0, 0), (1, 0), (2, 0), (5, 0), (20, 20)])]);
        let code = Batch::parse(&text).expect("parses").codes.remove(0);
        assert_eq!(
            code.svg(),
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29" shape-rendering="crispEdges"><rect width="29" height="29" fill="#fff"/><path d="M4 4h3v1h-3zM9 4h1v1h-1zM24 24h1v1h-1z" fill="#000"/></svg>"##
        );
        let blank = Batch::parse(&batch(&[line(1000, 2800, &[])])).expect("parses").codes.remove(0);
        assert!(blank.svg().contains(r##"<path d="" fill="#000"/>"##));
        // a run reaching the right edge ends there
        let edge = Batch::parse(&batch(&[line(1000, 2800, &[(19, 3), (20, 3)])])).expect("parses").codes.remove(0);
        assert!(edge.svg().contains(r#"d="M23 7h2v1h-2z""#));
    }

    #[test]
    fn the_offline_page_shows_the_code_of_the_moment_or_says_why_not() {
        let text = batch(&[line(1000, 2800, &[(0, 0)]), line(2800, 4600, &[(1, 1)])]);
        let Kept::Current { preset, until, svg } = Kept::at(Some(&text), 3000) else { panic!("a code for 3000") };
        assert_eq!((preset, until), (Preset::Basic, 4600));
        assert!(svg.contains(r#"d="M5 5h1v1h-1z""#), "the second window's code");
        assert_eq!(Kept::at(Some(&text), 4600), Kept::Ended);
        assert_eq!(Kept::at(None, 3000), Kept::Nothing);
        assert_eq!(Kept::at(Some("garbage"), 3000), Kept::Nothing);
        assert_eq!(Kept::at(Some(&text[..text.len() - 10]), 3000), Kept::Nothing, "cut short");
        assert_eq!(Kept::at(Some(""), 3000), Kept::Nothing);
    }

    #[test]
    fn base64_reads_what_the_server_writes_and_nothing_else() {
        for len in 0..70usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + len) as u8).collect();
            assert_eq!(decode_base64(&data_encoding::BASE64.encode(&bytes)), Some(bytes), "{len} bytes");
        }
        assert_eq!(decode_base64("+/+/").as_deref(), Some(&[0xfb, 0xff, 0xbf][..]));
        for bad in ["A", "AA", "AAA", "AA==A===", "A===", "====", "AA=A", "AA==AAAA", "AB==", "AAB=", "AA-_", "AA A", "ĐĐ"] {
            assert_eq!(decode_base64(bad), None, "{bad:?}");
        }
        assert_eq!(decode_base64("AA==").as_deref(), Some(&[0][..]));
        assert_eq!(decode_base64("AAA=").as_deref(), Some(&[0, 0][..]));
    }
}
