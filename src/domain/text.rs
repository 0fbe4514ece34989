//! Vietnamese text folding: lets "hai chau" find "Hải Châu" (search keys, never display).

/// Base letter of a Vietnamese (lower-case) letter with its tone and vowel marks removed.
fn base_letter(c: char) -> char {
    match c {
        'à' | 'á' | 'ả' | 'ã' | 'ạ' | 'ă' | 'ằ' | 'ắ' | 'ẳ' | 'ẵ' | 'ặ' | 'â' | 'ầ' | 'ấ' | 'ẩ' | 'ẫ'
        | 'ậ' => 'a',
        'è' | 'é' | 'ẻ' | 'ẽ' | 'ẹ' | 'ê' | 'ề' | 'ế' | 'ể' | 'ễ' | 'ệ' => 'e',
        'ì' | 'í' | 'ỉ' | 'ĩ' | 'ị' => 'i',
        'ò' | 'ó' | 'ỏ' | 'õ' | 'ọ' | 'ô' | 'ồ' | 'ố' | 'ổ' | 'ỗ' | 'ộ' | 'ơ' | 'ờ' | 'ớ' | 'ở' | 'ỡ'
        | 'ợ' => 'o',
        'ù' | 'ú' | 'ủ' | 'ũ' | 'ụ' | 'ư' | 'ừ' | 'ứ' | 'ử' | 'ữ' | 'ự' => 'u',
        'ỳ' | 'ý' | 'ỷ' | 'ỹ' | 'ỵ' => 'y',
        'đ' => 'd',
        other => other,
    }
}

/// Combining diacritical marks (text typed in decomposed form, e.g. by some Vietnamese keyboards).
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

/// Lower-case, without diacritics, with runs of whitespace collapsed to one space and trimmed.
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.chars().flat_map(char::to_lowercase) {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(base_letter(c));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn fold_removes_tones_and_vowel_marks() {
        assert_eq!(fold("Phường Hải Châu"), "phuong hai chau");
        assert_eq!(fold("Xã Bà Nà"), "xa ba na");
        assert_eq!(fold("ĐẶC KHU HOÀNG SA"), "dac khu hoang sa");
        assert_eq!(fold("Nguyễn Thị Ánh Tuyết"), "nguyen thi anh tuyet");
        assert_eq!(fold("Lưu Ngọc Ưng Ỷ"), "luu ngoc ung y");
    }

    #[test]
    fn fold_handles_decomposed_marks_and_spacing() {
        // "Hải" typed as H a + combining hook above + i
        assert_eq!(fold("  H\u{0061}\u{0309}i   Châu "), "hai chau");
        assert_eq!(fold(""), "");
        assert_eq!(fold("   "), "");
    }

    #[test]
    fn old_and_new_tone_placement_fold_alike() {
        assert_eq!(fold("Hoà Quý"), fold("Hòa Quý"));
    }
}
