//! The offline batch: QR codes of pre-signed tokens for the next 24 hours, one per time window, that the phone
//! keeps so the QR page opens with no network. The server draws each code and sends its modules as packed bits;
//! a small plain script (`public/qr-offline.js`) keeps them and draws them as SVG, so neither a QR encoder nor this
//! code is in the WASM a citizen downloads (server only). The reader here is the reference the tests use.
//!
//! Text form, one code per line after the header (small, and parsed without a JSON library in the browser):
//! ```text
//! CDSQR1 <preset> <made_at unix s>
//! <from unix s> <until unix s> <width> <modules: base64 of row-major bits, dark = 1, first module = high bit>
//! ```

pub const HEADER: &str = "CDSQR1";
/// Where the phone keeps the batch (`localStorage`, see `public/qr-offline.js`); cleared on sign-out.
pub const STORAGE_KEY: &str = "cds-qr";
/// How long one offline code is shown; a token is valid for its window plus [`GRACE_SECONDS`].
pub const WINDOW_SECONDS: i64 = 30 * 60;
/// How many windows a batch covers: the next 24 hours, the current window included.
pub const WINDOWS: i64 = 24 * 3600 / WINDOW_SECONDS + 1;
/// A slow scan just after a window ends still works.
pub const GRACE_SECONDS: i64 = 120;

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
    pub preset: String,
    pub made_at: i64,
    pub codes: Vec<Code>,
}

impl Batch {
    pub fn parse(text: &str) -> Option<Batch> {
        let mut lines = text.lines();
        let mut head = lines.next()?.split(' ');
        if head.next()? != HEADER {
            return None;
        }
        let preset = head.next()?.to_owned();
        let made_at = head.next()?.parse().ok()?;
        let mut codes = Vec::new();
        for line in lines.filter(|l| !l.is_empty()) {
            let mut f = line.split(' ');
            let from = f.next()?.parse().ok()?;
            let until = f.next()?.parse().ok()?;
            let width: usize = f.next()?.parse().ok()?;
            let modules = data_encoding::BASE64.decode(f.next()?.as_bytes()).ok()?;
            if !(21..=177).contains(&width) || modules.len() != (width * width).div_ceil(8) {
                return None;
            }
            codes.push(Code { from, until, width, modules });
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
}

impl Code {
    pub fn dark(&self, x: usize, y: usize) -> bool {
        let i = y * self.width + x;
        self.modules[i / 8] & (0x80 >> (i % 8)) != 0
    }
}

/// The batch for a token signer: one token per window from the window holding `now`, drawn as QR modules.
pub fn write(preset: &str, now: i64, mut sign: impl FnMut(i64, i64) -> String) -> String {
    let first = now - now.rem_euclid(WINDOW_SECONDS);
    let mut out = format!("{HEADER} {preset} {now}\n");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_covers_the_next_day_window_by_window() {
        let now = 1_795_400_123;
        let mut signed = Vec::new();
        let text = write("basic", now, |from, expires| {
            signed.push((from, expires));
            format!("CDS1:TOKEN{from}")
        });
        let batch = Batch::parse(&text).expect("parses");
        assert_eq!(batch.preset, "basic");
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
    fn damaged_batches_are_refused() {
        assert!(Batch::parse("").is_none());
        assert!(Batch::parse("OTHER basic 1\n").is_none());
        assert!(Batch::parse("CDSQR1 basic 1\n1 2 21 AAAA\n").is_none(), "too few modules");
        assert!(Batch::parse("CDSQR1 basic 1\n1 2 21 ab!c\n").is_none(), "not base64");
        assert_eq!(Batch::parse("CDSQR1 basic 1\n").unwrap().codes.len(), 0);
    }
}
