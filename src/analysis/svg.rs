//! Charts drawn on the server as SVG, shown inline on the analysis page: horizontal bars for
//! tallies and closed questions, and a heat map for co-occurrence. Each has a title and a text
//! description for screen readers and needs no JavaScript. Every text is measured (a
//! conservative estimate of its width) and wrapped or shortened to fit inside the chart, with the
//! full text in a `<title>`; every text is escaped here, which is why the page may show the
//! result as markup.

use quick_xml::escape::escape;

/// A bar chart's width: at its own size on a computer, scaled down a little on a phone.
const BAR_WIDTH: f64 = 400.0;
const PAD: f64 = 8.0;
const FONT: f64 = 14.0;
const TITLE_FONT: f64 = 15.0;
const LINE: f64 = 1.25;
const BAR_HEIGHT: f64 = 16.0;
const GAP: f64 = 12.0;

/// One bar: its label, its length (any unit) and the text shown at its end.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
}

/// The width of a character in ems, generous for the widest common sans-serif fonts (DejaVu
/// Sans, what Debian's browsers use), so an estimated width is never short of the drawn one.
fn em(c: char) -> f64 {
    match c {
        ' ' | 'i' | 'I' | 'l' | '.' | ',' | ':' | ';' | '!' | '|' | '\'' | '`' => 0.34,
        'f' | 'j' | 'r' | 't' | '(' | ')' | '[' | ']' | '{' | '}' | '-' | '/' | '\\' => 0.48,
        'm' | 'w' | 'M' | 'W' | '%' | '@' => 1.02,
        'A'..='Z' => 0.8,
        '0'..='9' | 'a'..='z' => 0.66,
        c if c.is_ascii() => 0.86,
        // CJK, Hangul, emoji and other wide characters.
        c if u32::from(c) >= 0x1100 => 1.15,
        _ => 0.8,
    }
}

/// The estimated width of `text` at `size` pixels.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().map(em).sum::<f64>() * size
}

/// `text` cut to fit `width` at `size`, ending in `…` when cut.
fn shorten(text: &str, width: f64, size: f64) -> String {
    if text_width(text, size) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let room = width - text_width("…", size);
    for c in text.chars() {
        if text_width(&out, size) + em(c) * size > room {
            break;
        }
        out.push(c);
    }
    format!("{}…", out.trim_end())
}

/// `text` in lines that each fit `width` at `size`, at most `max_lines` (the last shortened).
fn wrap(text: &str, width: f64, size: f64, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut words = text.split_whitespace().peekable();
    while let Some(word) = words.next() {
        if lines.len() == max_lines {
            break;
        }
        let mut line = word.to_string();
        while let Some(next) = words.peek() {
            let longer = format!("{line} {next}");
            if text_width(&longer, size) > width {
                break;
            }
            line = longer;
            words.next();
        }
        if lines.len() + 1 == max_lines {
            // The last line takes the rest, shortened.
            let rest: Vec<&str> = words.by_ref().collect();
            if !rest.is_empty() {
                line = format!("{line} {}", rest.join(" "));
            }
        }
        lines.push(shorten(&line, width, size));
    }
    lines
}

/// `<text>` lines from `y` (the first baseline) down.
fn text_lines(lines: &[String], x: f64, y: f64, size: f64, extra: &str) -> String {
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            format!(
                r##"<text x="{x:.1}" y="{:.1}" font-size="{size}" fill="#1b1f24"{extra}>{}</text>"##,
                y + i as f64 * size * LINE,
                escape(line.as_str())
            )
        })
        .collect()
}

/// The opening of a chart `id` (unique on its page) of `width` × `height`, with its title drawn
/// in `title_lines`.
fn open(id: &str, width: f64, height: f64, title: &str, description: &str, title_lines: &[String]) -> String {
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{id}" viewBox="0 0 {width:.0} {height:.0}" width="{width:.0}" height="{height:.0}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="system-ui, sans-serif"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc><rect width="{width:.0}" height="{height:.0}" fill="#ffffff"/>"##,
        escape(title),
        escape(description),
    );
    svg.push_str(&text_lines(title_lines, PAD, PAD + TITLE_FONT, TITLE_FONT, r#" font-weight="600""#));
    svg
}

/// A title's lines and the height they take (with the space below them).
fn title_block(title: &str, width: f64) -> (Vec<String>, f64) {
    // Bold text is a little wider: measured at a larger size.
    let lines = wrap(title, width - 2.0 * PAD, TITLE_FONT * 1.1, 3);
    let height = PAD + lines.len() as f64 * TITLE_FONT * LINE + GAP;
    (lines, height)
}

/// A horizontal bar chart: each bar under its label (wrapped to two lines, shortened past them,
/// the whole label in the bar's `<title>`), its figure after its end.
pub fn bar_chart(id: &str, title: &str, description: &str, bars: &[Bar]) -> String {
    let (title_lines, top) = title_block(title, BAR_WIDTH);
    let labels: Vec<Vec<String>> = bars.iter().map(|b| wrap(&b.label, BAR_WIDTH - 2.0 * PAD, FONT, 2)).collect();
    let shown_width = bars.iter().map(|b| text_width(&b.shown, FONT)).fold(0.0_f64, f64::max);
    let room = (BAR_WIDTH - 2.0 * PAD - shown_width - 6.0).max(20.0);
    let max = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let row_height = |lines: usize| lines.max(1) as f64 * FONT * LINE + BAR_HEIGHT + GAP;
    let height = top + labels.iter().map(|l| row_height(l.len())).sum::<f64>() + PAD;
    let mut svg = open(id, BAR_WIDTH, height, title, description, &title_lines);
    let mut y = top;
    for (bar, lines) in bars.iter().zip(&labels) {
        let length = if max > 0.0 { room * bar.value / max } else { 0.0 };
        let bar_top = y + lines.len().max(1) as f64 * FONT * LINE;
        svg.push_str(&format!(
            r##"<g class="bar"><title>{label}: {shown}</title>{text}<rect x="{PAD}" y="{bar_top:.1}" width="{length:.1}" height="{BAR_HEIGHT}" fill="#0b5cad"/><text x="{vx:.1}" y="{vy:.1}" font-size="{FONT}" fill="#1b1f24">{shown}</text></g>"##,
            label = escape(bar.label.as_str()),
            shown = escape(bar.shown.as_str()),
            text = text_lines(lines, PAD, y + FONT, FONT, ""),
            vx = PAD + length + 6.0,
            vy = bar_top + BAR_HEIGHT - 3.0,
        ));
        y += row_height(lines.len());
    }
    svg.push_str("</svg>");
    svg
}

const CELL: f64 = 24.0;
const LABEL_FONT: f64 = 12.0;
/// The widest a row label of the heat map may be.
const ROW_LABELS: f64 = 200.0;

/// A heat map of values from 0 to 1 (None drawn empty), rows and columns alike. Rows are labelled
/// with a number and the label, columns with the number only, so the map stays narrow enough to
/// read; each cell's `<title>` names both. The diagonal (a label with itself) is drawn grey with
/// `diagonal[i]` in its title.
pub fn heat_map(
    id: &str,
    title: &str,
    description: &str,
    labels: &[String],
    values: &[Vec<Option<f64>>],
    diagonal: &[String],
) -> String {
    let numbered: Vec<String> = labels.iter().enumerate().map(|(i, l)| format!("{} {l}", i + 1)).collect();
    let widest = numbered.iter().map(|l| text_width(l, LABEL_FONT)).fold(0.0_f64, f64::max);
    let label_width = widest.min(ROW_LABELS);
    let grid_left = PAD + label_width + 6.0;
    let width = (grid_left + labels.len() as f64 * CELL + PAD).max(BAR_WIDTH);
    let (title_lines, top) = title_block(title, width);
    let grid_top = top + LABEL_FONT + 6.0;
    let height = grid_top + labels.len() as f64 * CELL + PAD;
    let mut svg = open(id, width, height, title, description, &title_lines);
    for j in 0..labels.len() {
        let x = grid_left + j as f64 * CELL + CELL / 2.0;
        svg.push_str(&format!(
            r##"<text x="{x:.1}" y="{:.1}" font-size="{LABEL_FONT}" text-anchor="middle" fill="#1b1f24">{}</text>"##,
            grid_top - 6.0,
            j + 1
        ));
    }
    for (i, row) in values.iter().enumerate() {
        let y = grid_top + i as f64 * CELL;
        let label = labels.get(i).map_or("", String::as_str);
        let shown = shorten(numbered.get(i).map_or("", String::as_str), label_width, LABEL_FONT);
        svg.push_str(&format!(
            r##"<text x="{PAD}" y="{:.1}" font-size="{LABEL_FONT}" fill="#1b1f24"><title>{}</title>{}</text>"##,
            y + CELL * 0.65,
            escape(label),
            escape(shown.as_str())
        ));
        for (j, value) in row.iter().enumerate() {
            let x = grid_left + j as f64 * CELL;
            let other = labels.get(j).map_or("", String::as_str);
            let (fill, tip) = if i == j {
                ("#d0d7de".to_string(), format!("{label}: {}", diagonal.get(i).map_or("", String::as_str)))
            } else {
                match value {
                    Some(v) => (shade(*v), format!("{label} × {other}: {v:.2}")),
                    None => ("#f6f8fa".to_string(), format!("{label} × {other}: n/a")),
                }
            };
            svg.push_str(&format!(
                r##"<rect class="cell" x="{x:.1}" y="{y:.1}" width="{CELL}" height="{CELL}" fill="{fill}" stroke="#ffffff"><title>{}</title></rect>"##,
                escape(tip.as_str())
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

/// From white (0) to the accent blue (1).
fn shade(value: f64) -> String {
    let t = value.clamp(0.0, 1.0);
    let channel = |full: f64, zero: f64| (zero + (full - zero) * t).round() as u8;
    format!("#{:02x}{:02x}{:02x}", channel(11.0, 255.0), channel(92.0, 255.0), channel(173.0, 255.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn well_formed(svg: &str) -> usize {
        let mut reader = quick_xml::Reader::from_str(svg);
        let mut rects = 0;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::Empty(e)) if e.name().as_ref() == "rect" => rects += 1,
                Ok(_) => {}
                Err(err) => panic!("not well-formed: {err}"),
            }
        }
        rects
    }

    #[test]
    fn a_bar_chart_is_well_formed_xml_with_one_bar_per_value_and_escaped_labels() {
        let bars = vec![
            Bar { label: "Democratising <access> & more <script>".into(), value: 3.0, shown: "3 (30%)".into() },
            Bar { label: "Open science".into(), value: 0.0, shown: "0".into() },
        ];
        let svg = bar_chart("chart-x", "Codes \"tally\"", "Two codes", &bars);
        assert_eq!(well_formed(&svg), 1 + 2, "the background and one bar per value");
        assert!(svg.contains("&lt;access&gt; &amp; more &lt;script&gt;") && !svg.contains("<script"));
        assert!(svg.contains(r#"aria-labelledby="chart-x-title chart-x-desc""#));
    }

    #[test]
    fn long_labels_wrap_to_two_lines_and_the_rest_is_shortened_with_the_whole_in_the_title() {
        let label = "A very long label about the governance of open large language models in public research \
                     institutions and what their funders expect of them";
        let lines = wrap(label, BAR_WIDTH - 2.0 * PAD, FONT, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'), "{lines:?}");
        assert!(lines.iter().all(|l| text_width(l, FONT) <= BAR_WIDTH - 2.0 * PAD), "{lines:?}");
        let svg = bar_chart("c", "t", "d", &[Bar { label: label.into(), value: 1.0, shown: "1".into() }]);
        assert!(svg.contains(&format!("<title>{label}: 1</title>")));
        // A word longer than a line is cut too.
        let word = "x".repeat(200);
        assert!(wrap(&word, 100.0, FONT, 2).iter().all(|l| text_width(l, FONT) <= 100.0));
    }

    #[test]
    fn the_heat_map_numbers_its_columns_and_greys_the_diagonal() {
        let labels = vec!["Access".to_string(), "Open science".to_string()];
        let values = vec![vec![Some(1.0), Some(0.25)], vec![Some(0.25), Some(1.0)]];
        let diagonal = vec!["3 answers".to_string(), "2 answers".to_string()];
        let svg = heat_map("co", "Co-occurrence", "d", &labels, &values, &diagonal);
        assert_eq!(well_formed(&svg), 1);
        assert_eq!(svg.matches(r#"class="cell""#).count(), 4);
        assert!(svg.contains("Access × Open science: 0.25") && svg.contains("Access: 3 answers"));
        assert!(svg.contains(">2 Open science</text>"));
    }
}
