//! LimeSurvey's texts are HTML; fieldwork's are plain text. Tags are dropped (a paragraph or a
//! `<br>` ends a line), entities decoded, and a text holding an expression (`{Q1}`, piping) or an
//! image is reported by the caller.

/// The plain text of an HTML fragment.
pub fn plain(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&decode(&rest[..start]));
        let Some(end) = rest[start..].find('>') else {
            out.push_str(&decode(&rest[start..]));
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end].trim().to_ascii_lowercase();
        let name = tag.trim_start_matches('/').split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
        if matches!(name, "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
            && (tag.starts_with('/') || name == "br")
        {
            out.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(&decode(rest));
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    let mut text = lines.join("\n");
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    text.trim().to_string()
}

/// Why a text cannot be carried over as it is, if it cannot.
pub fn unsupported(html: &str) -> Option<&'static str> {
    let lower = html.to_ascii_lowercase();
    if lower.contains("<img") {
        Some("an image")
    } else if lower.contains("<script") {
        Some("a script")
    } else if html.contains('{') && html.contains('}') {
        Some("an expression in braces (piping)")
    } else {
        None
    }
}

fn decode(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let entity = after.find(';').filter(|&end| end <= 10).map(|end| &after[..end]);
        let decoded = entity.and_then(|e| match e {
            "nbsp" => Some(' '),
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => e
                .strip_prefix("#x")
                .or_else(|| e.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| e.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        });
        match (entity, decoded) {
            (Some(e), Some(c)) => {
                out.push(c);
                rest = &after[e.len() + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(plain("<p>How <b>old</b> are you?</p>"), "How old are you?");
        assert_eq!(plain("<p>One</p>\n<p>Two&nbsp;&amp; three</p>"), "One\n\nTwo & three");
        assert_eq!(plain("a<br />b &#233;t&#xE9; &copy;"), "a\nb été &copy;");
        assert_eq!(plain("Plain, 3 < 4"), "Plain, 3 < 4");
        assert_eq!(unsupported("Hello {TOKEN:FIRSTNAME}"), Some("an expression in braces (piping)"));
        assert_eq!(unsupported("<p>Plain</p>"), None);
    }
}
