//! Cutting text to a format's limit without splitting a character: SPSS counts bytes, Stata
//! counts characters (and bytes, for its fixed fields).

/// The longest start of `text` that fits in `max` bytes, ending on a character boundary.
pub fn cut_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let end = (0..=max).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    &text[..end]
}

/// The first `max` characters of `text` that also fit in `max_bytes` bytes.
pub fn cut_chars(text: &str, max: usize, max_bytes: usize) -> &str {
    let end = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    cut_bytes(&text[..end], max_bytes)
}

/// A label cut to `max` characters and `max_bytes` bytes; when cut, without the spaces the cut
/// left at its end (readers drop them anyway).
pub fn label(text: &str, max: usize, max_bytes: usize) -> &str {
    let cut = cut_chars(text, max, max_bytes);
    if cut.len() < text.len() { cut.trim_end() } else { cut }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_on_a_character_boundary() {
        assert_eq!(cut_bytes("abc", 5), "abc");
        assert_eq!(cut_bytes("aé", 2), "a");
        assert_eq!(cut_bytes("aé", 3), "aé");
        assert_eq!(cut_bytes("日本", 5), "日");
        assert_eq!(cut_chars("Zoë Zoë", 3, 100), "Zoë");
        assert_eq!(cut_chars("日本語", 3, 7), "日本");
        assert_eq!(label("long label", 5, 100), "long");
        assert_eq!(label("kept ", 5, 100), "kept ");
    }
}
