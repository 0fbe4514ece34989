//! A minimal ZIP writer for the data export and the XLSX tables: stored entries (no compression: the documents are
//! PDFs and photos, already compressed), UTF-8 names, CRC-32. Enough for every unzip tool, phone file manager and
//! spreadsheet; nothing more.

#[derive(Default)]
pub struct ZipWriter {
    out: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
}

impl ZipWriter {
    /// Adds a file. Names use `/` for folders; at most 65 535 entries and 4 GiB in all (far above an export).
    pub fn add(&mut self, name: &str, data: &[u8]) {
        let offset = self.out.len() as u32;
        let crc = crc32fast::hash(data);
        let size = data.len() as u32;
        let name = name.as_bytes();
        // local file header
        self.out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        self.out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        self.out.extend_from_slice(&0x0800u16.to_le_bytes()); // flags: UTF-8 names
        self.out.extend_from_slice(&0u16.to_le_bytes()); // stored
        self.out.extend_from_slice(&0u16.to_le_bytes()); // time
        self.out.extend_from_slice(&0x0021u16.to_le_bytes()); // date: 01/01/1980
        self.out.extend_from_slice(&crc.to_le_bytes());
        self.out.extend_from_slice(&size.to_le_bytes());
        self.out.extend_from_slice(&size.to_le_bytes());
        self.out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes());
        self.out.extend_from_slice(name);
        self.out.extend_from_slice(data);
        // central directory entry
        self.central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        self.central.extend_from_slice(&20u16.to_le_bytes()); // made by
        self.central.extend_from_slice(&20u16.to_le_bytes()); // needed
        self.central.extend_from_slice(&0x0800u16.to_le_bytes());
        self.central.extend_from_slice(&0u16.to_le_bytes());
        self.central.extend_from_slice(&0u16.to_le_bytes());
        self.central.extend_from_slice(&0x0021u16.to_le_bytes());
        self.central.extend_from_slice(&crc.to_le_bytes());
        self.central.extend_from_slice(&size.to_le_bytes());
        self.central.extend_from_slice(&size.to_le_bytes());
        self.central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        self.central.extend_from_slice(&[0; 12]); // extra, comment, disk, internal attrs, external attrs
        self.central.extend_from_slice(&offset.to_le_bytes());
        self.central.extend_from_slice(name);
        self.entries += 1;
    }

    pub fn finish(mut self) -> Vec<u8> {
        let start = self.out.len() as u32;
        let size = self.central.len() as u32;
        self.out.append(&mut self.central);
        self.out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        self.out.extend_from_slice(&[0; 4]); // disk numbers
        self.out.extend_from_slice(&self.entries.to_le_bytes());
        self.out.extend_from_slice(&self.entries.to_le_bytes());
        self.out.extend_from_slice(&size.to_le_bytes());
        self.out.extend_from_slice(&start.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes());
        self.out
    }
}

/// Reads back a stored ZIP (the entries' names and contents, CRCs checked): for tests of the export.
#[cfg(test)]
pub(crate) fn read(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let u16_at = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]) as usize;
    let u32_at = |i: usize| u32::from_le_bytes([zip[i], zip[i + 1], zip[i + 2], zip[i + 3]]);
    let end = zip.len() - 22;
    assert_eq!(u32_at(end), 0x0605_4b50, "end of central directory");
    let (count, mut at) = (u16_at(end + 10), u32_at(end + 16) as usize);
    let mut out = Vec::new();
    for _ in 0..count {
        assert_eq!(u32_at(at), 0x0201_4b50);
        let name_len = u16_at(at + 28);
        let offset = u32_at(at + 42) as usize;
        let name = String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).expect("utf-8 name");
        let size = u32_at(offset + 18) as usize;
        let data_at = offset + 30 + u16_at(offset + 26) + u16_at(offset + 28);
        let data = zip[data_at..data_at + size].to_vec();
        assert_eq!(crc32fast::hash(&data), u32_at(offset + 14), "crc of {name}");
        out.push((name, data));
        at += 46 + name_len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_carry_the_standard_crc32() {
        let mut zip = ZipWriter::default();
        zip.add("a.txt", b"123456789");
        zip.add("b.txt", b"");
        let bytes = zip.finish();
        let crc_at = |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        assert_eq!(crc_at(14), 0xCBF4_3926, "the check value of CRC-32 (IEEE), in the first local header");
        let second = 30 + "a.txt".len() + 9;
        assert_eq!(crc_at(second + 14), 0, "an empty entry");
        assert_eq!(read(&bytes).len(), 2);
    }

    #[test]
    fn entries_round_trip_with_vietnamese_names() {
        let mut zip = ZipWriter::default();
        zip.add("hồ-sơ.json", "{\"họ_tên\":\"Nguyễn Bé Na\"}".as_bytes());
        zip.add("giấy-tờ/khai-sinh.pdf", b"%PDF-1.7");
        let bytes = zip.finish();
        let entries = read(&bytes);
        assert_eq!(entries[0].0, "hồ-sơ.json");
        assert_eq!(String::from_utf8(entries[0].1.clone()).expect("utf8"), "{\"họ_tên\":\"Nguyễn Bé Na\"}");
        assert_eq!(entries[1], ("giấy-tờ/khai-sinh.pdf".to_owned(), b"%PDF-1.7".to_vec()));
    }
}
