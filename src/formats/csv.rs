//! CSV as spreadsheets save and open it, on the `csv` crate: uploaded files read into trimmed records with their
//! line numbers (UTF-8 with or without BOM, comma or semicolon separated, quoted fields as RFC 4180), and tables
//! written as downloads (UTF-8 with BOM, CRLF, formulas defused).
use ::csv::{ReaderBuilder, StringRecord, Terminator, WriterBuilder};

use super::Cell;

/// Why a CSV file cannot be read at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// Not UTF-8 text (a spreadsheet saved in another encoding).
    NotUtf8,
    /// A quoted field is never closed (the line its record starts on).
    UnclosedQuote { line: usize },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotUtf8 => f.write_str("not UTF-8 text"),
            ReadError::UnclosedQuote { line } => write!(f, "line {line}: a quoted field is never closed"),
        }
    }
}

/// Reads a whole file into its records that are not blank, each with the line it starts on (the first line is 1)
/// and its fields trimmed. The separator is the one the first line holds more of, `;` or `,` (spreadsheets save
/// with their locale's list separator); records may have any number of fields.
pub fn read(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, ReadError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or_default();
    let delimiter = if first.matches(';').count() > first.matches(',').count() { b';' } else { b',' };
    let bytes = text.as_bytes();
    let mut reader = ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(bytes);
    let mut record = StringRecord::new();
    let mut records = Vec::new();
    // The crate's positions start where the previous record ended (before any blank lines), so the line a record
    // starts on is counted here: (bytes counted, the line there), and where the last record started.
    let (mut counted, mut line) = (0, 1);
    let mut last = None;
    loop {
        let before = usize::try_from(reader.position().byte()).unwrap_or(bytes.len());
        // The text is UTF-8 and every field a piece of it cut at ASCII bytes, in memory, of any length: the crate
        // has nothing left to refuse.
        if !reader.read_record(&mut record).map_err(|_| ReadError::NotUtf8)? {
            break;
        }
        let rest = bytes.get(before..).unwrap_or_default();
        let start = before + rest.iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
        line += bytes.get(counted..start).unwrap_or_default().iter().filter(|&&b| b == b'\n').count();
        counted = start;
        last = Some((start, line));
        let fields: Vec<String> = record.iter().map(|f| f.trim().to_owned()).collect();
        if fields.iter().any(|f| !f.is_empty()) {
            records.push((line, fields));
        }
    }
    if let Some((start, line)) = last
        && leaves_quote_open(bytes.get(start..).unwrap_or_default(), delimiter)
    {
        return Err(ReadError::UnclosedQuote { line });
    }
    Ok(records)
}

/// Whether the last record's text (to the end of the file) leaves a quoted field open. The crate takes the rest of
/// the file as that field without complaint; a spreadsheet never writes one, so the file is damaged and refused.
fn leaves_quote_open(text: &[u8], delimiter: u8) -> bool {
    let (mut quoted, mut field_start) = (false, true);
    let mut bytes = text.iter().copied().peekable();
    while let Some(b) = bytes.next() {
        if quoted {
            // `""` inside quotes is a quote; a lone `"` closes the field.
            quoted = b != b'"' || bytes.next_if_eq(&b'"').is_some();
        } else {
            quoted = field_start && b == b'"';
            field_start = b == delimiter || b == b'\r' || b == b'\n';
        }
    }
    quoted
}

/// A table as a CSV download: UTF-8 with a BOM (so spreadsheets show Vietnamese right), CRLF, commas, a field
/// quoted when it holds `,` `"` `;` or a line break, and text a spreadsheet would run as a formula (starting with
/// `=` `+` `-` `@`) written after an apostrophe. Numbers as they are, percentages with one decimal (87.5%).
pub fn write(rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut writer = WriterBuilder::new()
        .terminator(Terminator::CRLF)
        .flexible(true)
        // `;` is quoted too, for spreadsheets whose list separator it is: the crate quotes any field holding its
        // comment character, which is all a comment character does to a writer.
        .comment(Some(b';'))
        .from_writer(Vec::from("\u{feff}".as_bytes()));
    for row in rows {
        // Into memory, rows of any length (`flexible`): nothing can fail.
        let _ = writer.write_record(row.iter().map(field));
    }
    writer.into_inner().unwrap_or_default()
}

fn field(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) if text.starts_with(['=', '+', '-', '@']) => format!("'{text}"),
        Cell::Text(text) => text.clone(),
        Cell::Number(n) => format!("{n}"),
        Cell::Percent(p) => format!("{:.1}%", p * 100.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }

    fn written(rows: &[Vec<Cell>]) -> String {
        String::from_utf8(write(rows)).expect("utf-8")
    }

    fn fields(line: usize, fields: &[&str]) -> (usize, Vec<String>) {
        (line, fields.iter().map(|f| (*f).to_owned()).collect())
    }

    #[test]
    fn a_spreadsheet_export_is_read_with_the_line_each_record_starts_on() {
        let file = "\u{feff}STT;Họ và tên;Ghi chú\r\n1; Trần Thị Lan ;\r\n\r\n2;\"Lê, Văn \"\"Hai\"\"\";\"hai\r\ndòng\"\r\n;;\r\n3;Ngô Bảo Châu\r\n";
        assert_eq!(
            read(file.as_bytes()),
            Ok(vec![
                fields(1, &["STT", "Họ và tên", "Ghi chú"]),
                fields(2, &["1", "Trần Thị Lan", ""]),
                fields(4, &["2", "Lê, Văn \"Hai\"", "hai\r\ndòng"]),
                fields(7, &["3", "Ngô Bảo Châu"]),
            ])
        );
    }

    #[test]
    fn commas_are_the_separator_unless_the_first_line_has_more_semicolons() {
        let commas = "a,b;c\n1,2;3";
        assert_eq!(read(commas.as_bytes()), Ok(vec![fields(1, &["a", "b;c"]), fields(2, &["1", "2;3"])]));
        assert_eq!(read(b"\n\na,b\n"), Ok(vec![fields(3, &["a", "b"])]), "an empty first line: commas");
    }

    #[test]
    fn a_file_that_is_not_utf8_or_leaves_a_quote_open_is_refused() {
        assert_eq!(read(&[0x48, 0xe0, 0x6e, 0x0a]), Err(ReadError::NotUtf8));
        assert_eq!(read(&[0xff, 0xfe, 0x00]), Err(ReadError::NotUtf8));
        assert_eq!(read(b"a,b\n1,\"x,2\n3,y\n"), Err(ReadError::UnclosedQuote { line: 2 }));
        assert_eq!(read(b"a,b\n1,\"x\"\"\n"), Err(ReadError::UnclosedQuote { line: 2 }));
        assert_eq!(read(b"a,b\n1,\"x\"\"\"\n"), Ok(vec![fields(1, &["a", "b"]), fields(2, &["1", "x\""])]));
        assert_eq!(read(b""), Ok(vec![]));
    }

    #[test]
    fn exported_fields_are_quoted_and_formulas_defused() {
        assert_eq!(written(&[vec![text("Trần Thị Lan")]]), "\u{feff}Trần Thị Lan\r\n");
        assert_eq!(written(&[vec![text("a,b")]]), "\u{feff}\"a,b\"\r\n");
        assert_eq!(written(&[vec![text("a;b"), text("x\ny")]]), "\u{feff}\"a;b\",\"x\ny\"\r\n");
        assert_eq!(written(&[vec![text("=HYPERLINK(\"x\")")]]), "\u{feff}\"'=HYPERLINK(\"\"x\"\")\"\r\n");
        assert_eq!(written(&[vec![text("+1"), text("-2"), text("@a"), Cell::Number(-2.0)]]), "\u{feff}'+1,'-2,'@a,-2\r\n");
    }

    #[test]
    fn a_csv_export_keeps_vietnamese_text_and_neutralises_formulas() {
        let rows = vec![
            vec![text("Phường, xã"), text("Tỷ lệ")],
            vec![text("Phường Hải Châu"), Cell::Percent(0.875)],
            vec![text("=HYPERLINK(\"x\")"), Cell::Number(1234.0)],
        ];
        let text = written(&rows);
        assert!(text.starts_with('\u{feff}'), "a BOM, so spreadsheets read UTF-8");
        assert_eq!(text.lines().nth(1), Some("Phường Hải Châu,87.5%"));
        assert_eq!(text.lines().nth(2), Some("\"'=HYPERLINK(\"\"x\"\")\",1234"));
        assert_eq!(text.lines().next(), Some("\u{feff}\"Phường, xã\",Tỷ lệ"));
        assert_eq!(text.matches("\r\n").count(), 3, "CRLF after every row");
    }

    #[test]
    fn what_is_written_reads_back() {
        let rows = vec![vec![text("Mã"), text("Ghi chú")], vec![text("20242"), text("có \"ngoặc\"; và\r\nhai dòng")]];
        let back = read(&write(&rows)).expect("readable");
        assert_eq!(back, vec![fields(1, &["Mã", "Ghi chú"]), fields(2, &["20242", "có \"ngoặc\"; và\r\nhai dòng"])]);
    }
}
