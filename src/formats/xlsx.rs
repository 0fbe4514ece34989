//! The spreadsheet download of a table (the statistics): a one-sheet XLSX on the ZIP writer, so the reports need
//! no spreadsheet crate (stored parts, inline strings, a bold frozen header, a percent style).

use std::fmt::Write;

use super::Cell;
use super::zip::ZipWriter;

// Excel's own limits: past them it offers to "repair" the file, that is to drop what it cannot hold.
const MAX_ROWS: usize = 1_048_576;
const MAX_COLUMNS: usize = 16_384;
/// Counted in UTF-16 units, as Excel counts.
const MAX_CELL_TEXT: usize = 32_767;
const MAX_SHEET_NAME: usize = 31;

const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

const CONTENT_TYPES: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">",
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>",
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>",
    "<Override PartName=\"/xl/workbook.xml\" ",
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>",
    "<Override PartName=\"/xl/worksheets/sheet1.xml\" ",
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>",
    "<Override PartName=\"/xl/styles.xml\" ",
    "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>",
    "</Types>",
);

const ROOT_RELS: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    "<Relationship Id=\"rId1\" ",
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" ",
    "Target=\"xl/workbook.xml\"/>",
    "</Relationships>",
);

const WORKBOOK_RELS: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    "<Relationship Id=\"rId1\" ",
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" ",
    "Target=\"worksheets/sheet1.xml\"/>",
    "<Relationship Id=\"rId2\" ",
    "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" ",
    "Target=\"styles.xml\"/>",
    "</Relationships>",
);

// The cell formats (`s` of a cell) are numbered so that bold adds 1 and percent adds 2; see `style`.
// Excel insists on the two default fills and on a border even when nothing uses them.
const STYLES: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">",
    "<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"0.0%\"/></numFmts>",
    "<fonts count=\"2\">",
    "<font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>",
    "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>",
    "</fonts>",
    "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>",
    "<fill><patternFill patternType=\"gray125\"/></fill></fills>",
    "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>",
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>",
    "<cellXfs count=\"4\">",
    "<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>",
    "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>",
    "<xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>",
    "<xf numFmtId=\"164\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" ",
    "applyFont=\"1\" applyNumberFormat=\"1\"/>",
    "</cellXfs>",
    "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>",
    "</styleSheet>",
);

/// A workbook with one sheet: `sheet` is the sheet's name (cut to 31 chars, characters `[]:*?/\` replaced by
/// space), the first row is the header (bold, and frozen so it stays in view). Rows and columns past Excel's
/// limits are left out.
pub fn workbook(sheet: &str, rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut workbook = String::from(XML_DECL);
    let _ = write!(workbook, "<workbook xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\"><sheets><sheet name=\"");
    escape_into(&mut workbook, &sheet_name(sheet));
    workbook.push_str("\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");

    let mut zip = ZipWriter::default();
    // Readers that sniff the format look at the first entry for the content types.
    zip.add("[Content_Types].xml", CONTENT_TYPES.as_bytes());
    zip.add("_rels/.rels", ROOT_RELS.as_bytes());
    zip.add("xl/workbook.xml", workbook.as_bytes());
    zip.add("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes());
    zip.add("xl/styles.xml", STYLES.as_bytes());
    zip.add("xl/worksheets/sheet1.xml", worksheet(rows).as_bytes());
    zip.finish()
}

fn worksheet(rows: &[Vec<Cell>]) -> String {
    let rows = &rows[..rows.len().min(MAX_ROWS)];
    let columns = rows.iter().map(|row| row.len().min(MAX_COLUMNS)).max().unwrap_or(0);
    let mut xml = String::from(XML_DECL);
    let _ = write!(xml, "<worksheet xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\"><dimension ref=\"A1");
    if columns > 0 {
        let _ = write!(xml, ":{}{}", column_name(columns - 1), rows.len());
    }
    // The schema fixes the order: dimension, sheetViews, cols, sheetData.
    xml.push_str(concat!(
        "\"/><sheetViews><sheetView workbookViewId=\"0\">",
        "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>",
        "<selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/>",
        "</sheetView></sheetViews>",
    ));
    if columns > 0 {
        xml.push_str("<cols>");
        for (index, width) in widths(rows, columns).into_iter().enumerate() {
            let n = index + 1;
            let width = (width + 2).clamp(8, 60);
            let _ = write!(xml, "<col min=\"{n}\" max=\"{n}\" width=\"{width}\" customWidth=\"1\"/>");
        }
        xml.push_str("</cols>");
    }
    xml.push_str("<sheetData>");
    for (index, row) in rows.iter().enumerate() {
        let number = index + 1;
        let _ = write!(xml, "<row r=\"{number}\">");
        for (column, cell) in row.iter().take(MAX_COLUMNS).enumerate() {
            let at = column_name(column);
            let header = index == 0;
            match cell {
                Cell::Text(text) => {
                    let text = clean(text);
                    // No cell at all, not an empty string: Excel's ISBLANK and COUNTA then see a blank.
                    if text.is_empty() {
                        continue;
                    }
                    let s = style(header, false);
                    let _ = write!(xml, "<c r=\"{at}{number}\" s=\"{s}\" t=\"inlineStr\">");
                    xml.push_str("<is><t xml:space=\"preserve\">");
                    escape_into(&mut xml, &text);
                    xml.push_str("</t></is></c>");
                }
                // NaN and infinities have no spreadsheet value: the cell stays empty rather than lie.
                Cell::Number(value) | Cell::Percent(value) if !value.is_finite() => {}
                Cell::Number(value) => {
                    let _ = write!(xml, "<c r=\"{at}{number}\" s=\"{}\"><v>{value}</v></c>", style(header, false));
                }
                Cell::Percent(value) => {
                    let _ = write!(xml, "<c r=\"{at}{number}\" s=\"{}\"><v>{value}</v></c>", style(header, true));
                }
            }
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData></worksheet>");
    xml
}

/// The index into `cellXfs` of `STYLES`.
fn style(bold: bool, percent: bool) -> u8 {
    u8::from(bold) + 2 * u8::from(percent)
}

/// Roughly how many characters wide each column's longest content is, for the column widths.
fn widths(rows: &[Vec<Cell>], columns: usize) -> Vec<usize> {
    let mut widths = vec![0; columns];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            let shown = match cell {
                Cell::Text(text) => text.lines().map(|line| line.chars().count()).max().unwrap_or(0),
                // Excel's General format shows about 11 significant characters, whatever the digits.
                Cell::Number(value) if value.is_finite() => value.to_string().len().min(12),
                Cell::Percent(value) if value.is_finite() => 7,
                Cell::Number(_) | Cell::Percent(_) => 0,
            };
            *width = (*width).max(shown);
        }
    }
    widths
}

/// A, B, …, Z, AA, AB, …: bijective base 26, counting columns from 0.
fn column_name(mut index: usize) -> String {
    const LETTERS: &[u8; 26] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = Vec::new();
    loop {
        name.push(char::from(LETTERS[index % 26]));
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    name.iter().rev().collect()
}

/// Excel refuses a name that is blank, too long, starts or ends with an apostrophe, or holds any of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let name: String = name
        .chars()
        .filter(|&c| allowed_in_xml(c) && !c.is_control())
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .take(MAX_SHEET_NAME)
        .collect();
    let name = name.trim_matches('\'');
    if name.trim().is_empty() { "Sheet1".to_owned() } else { name.to_owned() }
}

/// Drops what XML 1.0 cannot carry at all (even as a character reference) and cuts at Excel's cell limit.
fn clean(text: &str) -> String {
    let mut units = 0;
    text.chars()
        .filter(|&c| allowed_in_xml(c))
        .take_while(|c| {
            units += c.len_utf16();
            units <= MAX_CELL_TEXT
        })
        .collect()
}

fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

fn escape_into(out: &mut String, text: &str) {
    for (at, c) in text.char_indices() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Excel reads `_xHHHH_` in a string as an escaped character; escaping the underscore itself (its own
            // way) keeps text such as "_x0041_" as it was typed.
            '_' if looks_like_excel_escape(&text[at..]) => out.push_str("_x005F_"),
            c => out.push(c),
        }
    }
}

fn looks_like_excel_escape(text: &str) -> bool {
    matches!(text.as_bytes(), [b'_', b'x' | b'X', a, b, c, d, b'_', ..]
        if [a, b, c, d].iter().all(|h| h.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a stored ZIP front to back by its local file headers, checking each entry's CRC.
    fn entries(zip: &[u8]) -> Vec<(String, String)> {
        let u16_at = |i: usize| usize::from(u16::from_le_bytes([zip[i], zip[i + 1]]));
        let u32_at = |i: usize| u32::from_le_bytes([zip[i], zip[i + 1], zip[i + 2], zip[i + 3]]);
        let (mut at, mut out) = (0, Vec::new());
        while u32_at(at) == 0x0403_4b50 {
            assert_eq!(u16_at(at + 8), 0, "stored, not compressed");
            let size = u32_at(at + 18) as usize;
            assert_eq!(u32_at(at + 22) as usize, size, "stored size is the real size");
            let name_len = u16_at(at + 26);
            let name = String::from_utf8(zip[at + 30..at + 30 + name_len].to_vec()).expect("utf-8 name");
            let data_at = at + 30 + name_len + u16_at(at + 28);
            let data = &zip[data_at..data_at + size];
            assert_eq!(crc32fast::hash(data), u32_at(at + 14), "crc of {name}");
            out.push((name, String::from_utf8(data.to_vec()).expect("utf-8 part")));
            at = data_at + size;
        }
        assert_eq!(u32_at(at), 0x0201_4b50, "the central directory follows the entries");
        out
    }

    fn part(zip: &[u8], name: &str) -> String {
        entries(zip).into_iter().find(|(n, _)| n == name).map(|(_, xml)| xml).expect(name)
    }

    fn sheet(rows: &[Vec<Cell>]) -> String {
        part(&workbook("Thống kê", rows), "xl/worksheets/sheet1.xml")
    }

    fn text(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }

    /// Crude well-formedness: tags balance, one root, and every `&` starts a known entity.
    fn assert_well_formed(xml: &str) {
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\""), "declaration first: {xml}");
        let (mut open, mut roots, mut rest) = (Vec::new(), 0, xml);
        while let Some(start) = rest.find('<') {
            let end = start + rest[start..].find('>').expect("every tag closes");
            let tag = &rest[start + 1..end];
            rest = &rest[end + 1..];
            if tag.starts_with('?') {
                continue;
            }
            if open.is_empty() {
                roots += 1;
            }
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(name), "closing tag matches in {xml}");
            } else if !tag.ends_with('/') {
                open.push(tag.split_whitespace().next().expect("tag name"));
            }
        }
        assert!(open.is_empty(), "unclosed {open:?} in {xml}");
        assert_eq!(roots, 1, "one root element in {xml}");
        for (at, _) in xml.match_indices('&') {
            let after = &xml[at + 1..];
            assert!(
                ["amp;", "lt;", "gt;", "quot;", "apos;", "#"].iter().any(|e| after.starts_with(e)),
                "bare & in {xml}"
            );
        }
    }

    #[test]
    fn a_workbook_is_a_zip_with_the_parts_excel_needs() {
        let zip = workbook("Tỷ lệ", &[vec![text("Phường"), text("Tỷ lệ")], vec![text("A"), Cell::Percent(0.5)]]);
        let parts = entries(&zip);
        let names: Vec<&str> = parts.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names[0], "[Content_Types].xml", "content types come first");
        for needed in ["_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"] {
            assert!(names.contains(&needed), "{needed} in {names:?}");
        }
        assert!(names.contains(&"xl/worksheets/sheet1.xml"));
        assert!(!names.contains(&"xl/sharedStrings.xml"), "strings are inline");
        for (_, xml) in &parts {
            assert_well_formed(xml);
        }
        let types = part(&zip, "[Content_Types].xml");
        for name in ["/xl/workbook.xml", "/xl/worksheets/sheet1.xml", "/xl/styles.xml"] {
            assert!(types.contains(&format!("PartName=\"{name}\"")), "{name} has a content type");
        }
        assert!(part(&zip, "_rels/.rels").contains("relationships/officeDocument\" Target=\"xl/workbook.xml\""));
        let rels = part(&zip, "xl/_rels/workbook.xml.rels");
        assert!(rels.contains("relationships/worksheet\" Target=\"worksheets/sheet1.xml\""));
        assert!(rels.contains("relationships/styles\" Target=\"styles.xml\""));
        assert!(part(&zip, "xl/workbook.xml").contains("<sheet name=\"Tỷ lệ\" sheetId=\"1\" r:id=\"rId1\"/>"));
    }

    #[test]
    fn vietnamese_text_survives_intact() {
        let xml = sheet(&[vec![text("Phường/Xã")], vec![text("Phường Hải Châu")], vec![text("Xã Hòa Vang ✓ 𝔸")]]);
        assert!(xml.contains("<t xml:space=\"preserve\">Phường Hải Châu</t>"));
        assert!(xml.contains("Xã Hòa Vang ✓ 𝔸"));
        let zip = workbook("Chuyển đổi số", &[]);
        assert!(part(&zip, "xl/workbook.xml").contains("name=\"Chuyển đổi số\""));
    }

    #[test]
    fn cell_references_go_past_z() {
        let expected = [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA"), (16_383, "XFD")];
        for (index, name) in expected {
            assert_eq!(column_name(index), name);
        }
        let row: Vec<Cell> = (0..28_u32).map(|n| Cell::Number(f64::from(n))).collect();
        let xml = sheet(&[row.clone(), row]);
        assert!(xml.contains("<c r=\"Z1\" s=\"1\"><v>25</v></c>"));
        assert!(xml.contains("<c r=\"AA1\" s=\"1\"><v>26</v></c>"));
        assert!(xml.contains("<c r=\"AB2\" s=\"0\"><v>27</v></c>"));
        assert!(xml.contains("<dimension ref=\"A1:AB2\"/>"));
    }

    #[test]
    fn text_is_escaped_and_control_characters_dropped() {
        let xml = sheet(&[vec![text("a & b <c> \"d\" 'e'\u{0}\u{7}\u{1b}\u{FFFE}\tf\ng")]]);
        assert!(xml.contains(">a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;\tf\ng</t>"), "{xml}");
        assert_well_formed(&xml);
    }

    #[test]
    fn excel_style_escapes_in_text_are_kept_literally() {
        let xml = sheet(&[vec![text("_x0041_ and _x_ and x_y")]]);
        assert!(xml.contains(">_x005F_x0041_ and _x_ and x_y</t>"), "{xml}");
    }

    #[test]
    fn numbers_keep_their_value_and_percentages_their_style() {
        let xml = sheet(&[
            vec![text("Phường"), text("Hồ sơ"), text("Tỷ lệ")],
            vec![text("Hải Châu"), Cell::Number(1200.0), Cell::Percent(0.4567)],
            vec![text("Thanh Khê"), Cell::Number(-0.25), Cell::Percent(1.0)],
        ]);
        assert!(xml.contains("<c r=\"B2\" s=\"0\"><v>1200</v></c>"), "integers without .0: {xml}");
        assert!(xml.contains("<c r=\"C2\" s=\"2\"><v>0.4567</v></c>"));
        assert!(xml.contains("<c r=\"B3\" s=\"0\"><v>-0.25</v></c>"));
        assert!(xml.contains("<c r=\"C3\" s=\"2\"><v>1</v></c>"));
        let styles = part(&workbook("x", &[]), "xl/styles.xml");
        assert!(styles.contains("<numFmt numFmtId=\"164\" formatCode=\"0.0%\"/>"));
        assert!(styles.contains("<xf numFmtId=\"164\" fontId=\"0\""), "style 2 is the percent one");
    }

    #[test]
    fn non_finite_numbers_become_empty_cells() {
        let xml = sheet(&[
            vec![text("Tên"), text("Số")],
            vec![text("a"), Cell::Number(f64::NAN)],
            vec![text("b"), Cell::Percent(f64::INFINITY)],
            vec![text("c"), Cell::Number(f64::NEG_INFINITY)],
        ]);
        for at in ["B2", "B3", "B4"] {
            assert!(!xml.contains(&format!("r=\"{at}\"")), "{at} is empty: {xml}");
        }
        assert!(!xml.contains("NaN") && !xml.contains(">inf<") && !xml.contains(">-inf<"));
        assert_well_formed(&xml);
    }

    #[test]
    fn the_header_row_is_bold_and_frozen() {
        let xml = sheet(&[vec![text("Phường"), Cell::Percent(0.1)], vec![text("Hải Châu"), Cell::Number(3.0)]]);
        assert!(xml.contains("<c r=\"A1\" s=\"1\" t=\"inlineStr\">"));
        assert!(xml.contains("<c r=\"B1\" s=\"3\"><v>0.1</v></c>"), "bold and percent");
        assert!(xml.contains("<c r=\"A2\" s=\"0\" t=\"inlineStr\">"));
        assert!(xml.contains(concat!(
            "<sheetView workbookViewId=\"0\">",
            "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"
        )));
        let order = ["<dimension", "<sheetViews>", "<cols>", "<sheetData>"].map(|tag| xml.find(tag).expect(tag));
        assert!(order.is_sorted(), "schema order: {xml}");
        let styles = part(&workbook("x", &[]), "xl/styles.xml");
        assert!(styles.contains("<font><b/>"));
        assert!(styles.contains("<cellXfs count=\"4\">"));
    }

    #[test]
    fn columns_are_as_wide_as_their_text_within_bounds() {
        let long = "Phường ".repeat(20);
        let xml = sheet(&[vec![text("Phường Hải Châu"), text("x"), text(&long)]]);
        assert!(xml.contains("<col min=\"1\" max=\"1\" width=\"17\" customWidth=\"1\"/>"), "{xml}");
        assert!(xml.contains("<col min=\"2\" max=\"2\" width=\"8\" customWidth=\"1\"/>"));
        assert!(xml.contains("<col min=\"3\" max=\"3\" width=\"60\" customWidth=\"1\"/>"));
    }

    #[test]
    fn sheet_names_follow_excels_rules() {
        assert_eq!(sheet_name("Báo cáo [2025]: a/b\\c*d?"), "Báo cáo  2025   a b c d ");
        assert_eq!(sheet_name(&"Đà Nẵng ".repeat(10)).chars().count(), 31);
        assert_eq!(sheet_name(""), "Sheet1");
        assert_eq!(sheet_name("'''"), "Sheet1");
        assert_eq!(sheet_name("'Quý 1'"), "Quý 1");
        assert_eq!(sheet_name("Tab\there"), "Tabhere");
        let zip = workbook("A & B", &[]);
        assert!(part(&zip, "xl/workbook.xml").contains("name=\"A &amp; B\""));
    }

    #[test]
    fn an_empty_table_is_still_a_valid_workbook() {
        let zip = workbook("Trống", &[]);
        let xml = part(&zip, "xl/worksheets/sheet1.xml");
        assert_well_formed(&xml);
        assert!(xml.contains("<dimension ref=\"A1\"/>"));
        assert!(xml.contains("<sheetData></sheetData>"));
        assert!(!xml.contains("<cols>"), "an empty <cols> is invalid");
        let blank = sheet(&[vec![text(""), text("\u{1}")]]);
        assert!(blank.contains("<row r=\"1\"></row>"), "blank text writes no cell: {blank}");
    }

    #[test]
    fn text_is_cut_at_excels_cell_limit() {
        let xml = sheet(&[vec![text(&"ả".repeat(40_000))]]);
        assert_eq!(xml.matches('ả').count(), MAX_CELL_TEXT);
        let astral = clean(&"𝔸".repeat(20_000));
        assert_eq!(astral.encode_utf16().count(), MAX_CELL_TEXT - 1, "a surrogate pair is never split");
    }
}
