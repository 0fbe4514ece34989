//! Reading an enrolment file: a CSV with a header naming the phone, full name and ID number columns (in any
//! order, in Vietnamese or English, comma or semicolon separated, UTF-8 with or without BOM, quoted fields as
//! spreadsheets write them). A file that cannot be read as such is refused whole, before any row is imported;
//! a row whose values are wrong is reported on its own.
#[cfg(feature = "ssr")]
use crate::domain::text::fold;
use crate::identity::domain::{CitizenId, FullName, PhoneNumber};

/// Largest file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Most rows in one file.
pub const MAX_ROWS: usize = 50_000;

/// Why a whole file was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileProblem {
    Empty,
    TooBig,
    TooManyRows,
    /// Not UTF-8 text (a spreadsheet saved in another encoding).
    NotUtf8,
    /// The header does not name this column.
    MissingColumn(Column),
    /// A quoted field is never closed (the line where it opened).
    UnclosedQuote { line: usize },
    /// A row has fewer fields than the header needs (the line).
    ShortRow { line: usize },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Phone,
    FullName,
    CitizenId,
}

impl Column {
    pub fn as_str(self) -> &'static str {
        match self {
            Column::Phone => "phone",
            Column::FullName => "full_name",
            Column::CitizenId => "citizen_id",
        }
    }
}

/// One data row as written in the file, with its line number (the header is line 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRow {
    pub line: usize,
    pub phone: String,
    pub full_name: String,
    pub citizen_id: String,
}

/// A row whose three values passed their rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Employee {
    pub phone: PhoneNumber,
    pub full_name: FullName,
    pub citizen_id: CitizenId,
}

/// The columns of a row that are wrong, or the parsed row.
pub fn parse_row(row: &RawRow) -> Result<Employee, Vec<Column>> {
    let phone = PhoneNumber::parse(&row.phone);
    let name = FullName::parse(&row.full_name);
    let id = CitizenId::parse(&row.citizen_id);
    match (phone, name, id) {
        (Ok(phone), Ok(full_name), Ok(citizen_id)) => Ok(Employee { phone, full_name, citizen_id }),
        (phone, name, id) => {
            let mut wrong = Vec::new();
            if phone.is_err() {
                wrong.push(Column::Phone);
            }
            if name.is_err() {
                wrong.push(Column::FullName);
            }
            if id.is_err() {
                wrong.push(Column::CitizenId);
            }
            Err(wrong)
        }
    }
}

#[cfg(feature = "ssr")]
fn column_of(header: &str) -> Option<Column> {
    let h = fold(header.trim().trim_matches('"'));
    let h = h.trim();
    match h {
        "so dien thoai" | "dien thoai" | "sdt" | "so dt" | "phone" | "phone number" | "mobile" => Some(Column::Phone),
        "ho va ten" | "ho ten" | "ten" | "full name" | "name" => Some(Column::FullName),
        "so dinh danh" | "so dinh danh ca nhan" | "cccd" | "so cccd" | "can cuoc" | "so can cuoc" | "citizen id"
        | "id number" | "id" => Some(Column::CitizenId),
        _ => None,
    }
}

/// Reads the whole file, or says why it cannot be imported at all.
#[cfg(feature = "ssr")]
pub fn read_file(bytes: &[u8]) -> Result<Vec<RawRow>, FileProblem> {
    use crate::formats::csv::ReadError;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileProblem::TooBig);
    }
    let mut all = crate::formats::csv::read(bytes)
        .map_err(|e| match e {
            ReadError::NotUtf8 => FileProblem::NotUtf8,
            ReadError::UnclosedQuote { line } => FileProblem::UnclosedQuote { line },
        })?
        .into_iter();
    let Some((_, header)) = all.next() else { return Err(FileProblem::Empty) };
    let find = |col: Column| header.iter().position(|h| column_of(h) == Some(col)).ok_or(FileProblem::MissingColumn(col));
    let (phone, name, id) = (find(Column::Phone)?, find(Column::FullName)?, find(Column::CitizenId)?);
    let needed = phone.max(name).max(id) + 1;
    let mut rows = Vec::new();
    for (line, record) in all {
        if record.len() < needed {
            return Err(FileProblem::ShortRow { line });
        }
        if rows.len() == MAX_ROWS {
            return Err(FileProblem::TooManyRows);
        }
        rows.push(RawRow {
            line,
            phone: record[phone].clone(),
            full_name: record[name].clone(),
            citizen_id: record[id].clone(),
        });
    }
    if rows.is_empty() {
        return Err(FileProblem::Empty);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spreadsheet_export_is_read_with_its_line_numbers() {
        let file = "\u{feff}STT;Họ và tên;Số điện thoại;Số CCCD\r\n1;Trần Thị Lan;0905 123 456;048186000123\r\n\r\n2;\"Lê, Văn \"\"Hai\"\"\";0905123457;048090000111\r\n";
        let rows = read_file(file.as_bytes()).expect("readable");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], RawRow { line: 2, phone: "0905 123 456".into(), full_name: "Trần Thị Lan".into(), citizen_id: "048186000123".into() });
        assert_eq!(rows[1].line, 4);
        assert_eq!(rows[1].full_name, "Lê, Văn \"Hai\"");
        assert!(parse_row(&rows[0]).is_ok());
    }

    #[test]
    fn english_headers_in_any_order_and_commas() {
        let file = "citizen id,phone,full name\n048186000123,0905123456,Tran Thi Lan\n";
        let rows = read_file(file.as_bytes()).expect("readable");
        assert_eq!(rows[0].phone, "0905123456");
        assert_eq!(rows[0].citizen_id, "048186000123");
    }

    #[test]
    fn a_malformed_file_is_refused_whole() {
        assert_eq!(read_file(b""), Err(FileProblem::Empty));
        assert_eq!(read_file(b"phone,full name\n0905123456,Lan\n"), Err(FileProblem::MissingColumn(Column::CitizenId)));
        assert_eq!(read_file(&[0x48, 0xe0, 0x6e, 0x0a]), Err(FileProblem::NotUtf8));
        assert_eq!(
            read_file(b"phone,full name,cccd\n0905123456,\"Lan,048186000123\n0905123457,Hai,048090000111\n"),
            Err(FileProblem::UnclosedQuote { line: 2 })
        );
        assert_eq!(read_file(b"phone,full name,cccd\n0905123456,Lan\n"), Err(FileProblem::ShortRow { line: 2 }));
        assert_eq!(read_file(b"phone,full name,cccd\n"), Err(FileProblem::Empty));
    }

    #[test]
    fn a_wrong_row_names_its_columns() {
        let row = RawRow { line: 3, phone: "12345".into(), full_name: "Lan".into(), citizen_id: "048186000123".into() };
        assert_eq!(parse_row(&row), Err(vec![Column::Phone, Column::FullName]));
    }
}
