//! Reading a QR code from an uploaded picture (a phone photo or a screenshot), on the server: the counter's way
//! that needs no script and no camera permission. PNG and JPEG, recognised by their bytes.
use std::io::Cursor;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanError {
    /// Neither PNG nor JPEG (or a damaged one).
    NotAnImage,
    /// Larger than we read (pixels).
    TooLarge,
    /// No readable QR code in the picture.
    NoCode,
}

/// The longest side we search at full resolution; larger pictures are sampled down to it.
const SEARCH_SIDE: usize = 1600;
const MAX_PIXELS: usize = 50_000_000;

/// A greyscale picture (0 black .. 255 white).
struct Grey {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000) as u8
}

/// Transparent pixels count as white paper.
fn over_white(value: u8, alpha: u8) -> u8 {
    ((u32::from(value) * u32::from(alpha) + 255 * (255 - u32::from(alpha))) / 255) as u8
}

fn decode_png(bytes: &[u8]) -> Result<Grey, ScanError> {
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), png::Limits { bytes: 256 << 20 });
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|_| ScanError::NotAnImage)?;
    let (width, height) = (reader.info().width as usize, reader.info().height as usize);
    if width.saturating_mul(height) > MAX_PIXELS {
        return Err(ScanError::TooLarge);
    }
    let mut buffer = vec![0; reader.output_buffer_size().ok_or(ScanError::TooLarge)?];
    let info = reader.next_frame(&mut buffer).map_err(|_| ScanError::NotAnImage)?;
    let channels = info.color_type.samples();
    let mut pixels = Vec::with_capacity(width * height);
    for y in 0..height {
        let row = &buffer[y * info.line_size..];
        for x in 0..width {
            let p = &row[x * channels..x * channels + channels];
            pixels.push(match p {
                [v] => *v,
                [v, a] => over_white(*v, *a),
                [r, g, b] => luma(*r, *g, *b),
                [r, g, b, a] => over_white(luma(*r, *g, *b), *a),
                _ => 255,
            });
        }
    }
    Ok(Grey { width, height, pixels })
}

fn decode_jpeg(bytes: &[u8]) -> Result<Grey, ScanError> {
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::Luma)
        .set_max_width(20_000)
        .set_max_height(20_000);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(Cursor::new(bytes), options);
    decoder.decode_headers().map_err(|_| ScanError::NotAnImage)?;
    let info = decoder.info().ok_or(ScanError::NotAnImage)?;
    let (width, height) = (usize::from(info.width), usize::from(info.height));
    if width.saturating_mul(height) > MAX_PIXELS {
        return Err(ScanError::TooLarge);
    }
    let pixels = decoder.decode().map_err(|_| ScanError::NotAnImage)?;
    if pixels.len() < width * height {
        return Err(ScanError::NotAnImage);
    }
    Ok(Grey { width, height, pixels })
}

/// The text of the first readable QR code in the picture.
pub fn read_qr(bytes: &[u8]) -> Result<String, ScanError> {
    let grey = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        decode_png(bytes)?
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        decode_jpeg(bytes)?
    } else {
        return Err(ScanError::NotAnImage);
    };
    let step = grey.width.max(grey.height).div_ceil(SEARCH_SIDE).max(1);
    let (w, h) = (grey.width / step, grey.height / step);
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| grey.pixels[(y * step) * grey.width + x * step]);
    prepared.detect_grids().iter().find_map(|grid| grid.decode().ok().map(|(_, text)| text)).ok_or(ScanError::NoCode)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A QR code drawn as a PNG, `scale` pixels per module, RGB or with alpha.
    pub(crate) fn qr_png(text: &str, scale: usize, alpha: bool) -> Vec<u8> {
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).expect("qr");
        let modules = code.width();
        let side = (modules + 8) * scale;
        let colors = code.to_colors();
        let channels = if alpha { 4 } else { 3 };
        let mut data = vec![255u8; side * side * channels];
        for my in 0..modules {
            for mx in 0..modules {
                if colors[my * modules + mx] == qrcode::Color::Dark {
                    for dy in 0..scale {
                        for dx in 0..scale {
                            let (x, y) = ((mx + 4) * scale + dx, (my + 4) * scale + dy);
                            let at = (y * side + x) * channels;
                            data[at..at + 3].copy_from_slice(&[20, 24, 31]);
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
        encoder.set_color(if alpha { png::ColorType::Rgba } else { png::ColorType::Rgb });
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(&data).expect("data");
        writer.finish().expect("finish");
        out
    }

    #[test]
    fn a_qr_code_is_read_back_from_a_png_screenshot() {
        let token = "CDS1:ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 $%*+-./:ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        assert_eq!(read_qr(&qr_png(token, 4, false)).as_deref(), Ok(token));
        assert_eq!(read_qr(&qr_png(token, 3, true)).as_deref(), Ok(token));
    }

    #[test]
    fn other_files_and_pictures_without_a_code_are_told_apart() {
        assert_eq!(read_qr(b"%PDF-1.7 not a picture"), Err(ScanError::NotAnImage));
        assert_eq!(read_qr(b"\x89PNG\r\n\x1a\nbroken"), Err(ScanError::NotAnImage));
        // a blank white picture
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, 64, 64);
        encoder.set_color(png::ColorType::Grayscale);
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(&[255u8; 64 * 64]).expect("data");
        writer.finish().expect("finish");
        assert_eq!(read_qr(&out), Err(ScanError::NoCode));
    }

    /// The photo the sign-up journey uses (end2end/fixtures): a chip ID card's QR code, readable and parsed.
    #[test]
    fn the_end2end_card_photo_holds_a_chip_card_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/end2end/fixtures/cccd-qr.png");
        // made once with qr_png(…, 6, false) from the text the assertions below name
        let text = read_qr(&std::fs::read(path).expect("fixture")).expect("readable");
        let card = crate::qr::cccd::parse_card_qr(&text).expect("a chip card code");
        assert_eq!(card.full_name.as_str(), "Nguyễn Thị Ánh Tuyết");
        assert_eq!(card.citizen_id.as_str(), "048190001234");
        assert_eq!(card.birth_date.dmy(), "12/03/1990");
    }
}
