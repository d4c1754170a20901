//! Charts drawn on the server as SVG: horizontal bars for tallies and closed questions, and a heat
//! map for co-occurrence. Each has a title and a text description for screen readers, scales to
//! the width of a phone through its viewBox, and needs no JavaScript.

use quick_xml::escape::escape;

const WIDTH: f64 = 640.0;
const LABEL_WIDTH: f64 = 240.0;
const BAR_HEIGHT: f64 = 22.0;
const GAP: f64 = 8.0;
const TOP: f64 = 40.0;

/// One bar: its label, its length (any unit) and the text shown at its end.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
}

fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        format!("{}…", label.chars().take(max - 1).collect::<String>())
    }
}

fn open(height: f64, title: &str, description: &str) -> String {
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-labelledby="chart-title chart-desc" font-family="system-ui, sans-serif" font-size="13"><title id="chart-title">{}</title><desc id="chart-desc">{}</desc><rect width="{WIDTH}" height="{height}" fill="#ffffff"/><text x="8" y="22" font-size="15" font-weight="600" fill="#1b1f24">{}</text>"##,
        escape(title),
        escape(description),
        escape(title)
    )
}

/// A horizontal bar chart.
pub fn bar_chart(title: &str, description: &str, bars: &[Bar]) -> String {
    let height = TOP + bars.len() as f64 * (BAR_HEIGHT + GAP) + GAP;
    let max = bars.iter().map(|b| b.value).fold(0.0_f64, f64::max);
    let room = WIDTH - LABEL_WIDTH - 70.0;
    let mut svg = open(height, title, description);
    for (i, bar) in bars.iter().enumerate() {
        let y = TOP + i as f64 * (BAR_HEIGHT + GAP);
        let length = if max > 0.0 { room * bar.value / max } else { 0.0 };
        svg.push_str(&format!(
            r##"<g class="bar"><title>{label}: {shown}</title><text x="{lx}" y="{ty}" text-anchor="end" fill="#1b1f24">{short}</text><rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1}" height="{BAR_HEIGHT}" fill="#0b5cad"/><text x="{vx:.1}" y="{ty}" fill="#1b1f24">{shown}</text></g>"##,
            label = escape(&bar.label),
            short = escape(shorten(&bar.label, 34)),
            shown = escape(&bar.shown),
            lx = LABEL_WIDTH - 8.0,
            ty = y + BAR_HEIGHT * 0.7,
            vx = LABEL_WIDTH + length + 6.0,
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// A heat map of values from 0 to 1 (None drawn empty), rows and columns labelled alike.
pub fn heat_map(title: &str, description: &str, labels: &[String], values: &[Vec<Option<f64>>]) -> String {
    let n = labels.len().max(1) as f64;
    let cell = ((WIDTH - LABEL_WIDTH - 10.0) / n).clamp(8.0, 40.0);
    let height = TOP + 130.0 + n * cell + 10.0;
    let mut svg = open(height, title, description);
    let grid_top = TOP + 130.0;
    for (j, label) in labels.iter().enumerate() {
        let x = LABEL_WIDTH + j as f64 * cell + cell * 0.65;
        svg.push_str(&format!(
            r##"<text transform="translate({x:.1},{y:.1}) rotate(-60)" fill="#1b1f24" font-size="11">{}</text>"##,
            escape(shorten(label, 22)),
            y = grid_top - 4.0
        ));
    }
    for (i, row) in values.iter().enumerate() {
        let y = grid_top + i as f64 * cell;
        let label = labels.get(i).map_or("", String::as_str);
        svg.push_str(&format!(
            r##"<text x="{lx}" y="{ty:.1}" text-anchor="end" fill="#1b1f24" font-size="11">{}</text>"##,
            escape(shorten(label, 34)),
            lx = LABEL_WIDTH - 6.0,
            ty = y + cell * 0.65
        ));
        for (j, value) in row.iter().enumerate() {
            let x = LABEL_WIDTH + j as f64 * cell;
            let (fill, shown) = match value {
                // From white to the accent blue.
                Some(v) => {
                    let t = v.clamp(0.0, 1.0);
                    let channel = |full: f64, zero: f64| (zero + (full - zero) * t).round() as u8;
                    (
                        format!(
                            "#{:02x}{:02x}{:02x}",
                            channel(11.0, 255.0),
                            channel(92.0, 255.0),
                            channel(173.0, 255.0)
                        ),
                        format!("{v:.2}"),
                    )
                }
                None => ("#f6f8fa".to_string(), "n/a".to_string()),
            };
            let other = labels.get(j).map_or("", String::as_str);
            svg.push_str(&format!(
                r##"<rect class="cell" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{w:.1}" fill="{fill}" stroke="#d0d7de"><title>{} × {}: {}</title></rect>"##,
                escape(label),
                escape(other),
                shown,
                w = cell
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_chart_is_well_formed_xml_with_one_bar_per_value_and_escaped_labels() {
        let bars = vec![
            Bar { label: "Democratising <access> & more".into(), value: 3.0, shown: "3 (30%)".into() },
            Bar { label: "Open science".into(), value: 0.0, shown: "0".into() },
        ];
        let svg = bar_chart("Codes \"tally\"", "Two codes", &bars);
        let mut reader = quick_xml::Reader::from_str(&svg);
        let mut rects = 0;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::Empty(e)) if e.name().as_ref() == "rect" => rects += 1,
                Ok(_) => {}
                Err(err) => panic!("not well-formed: {err}"),
            }
        }
        assert_eq!(rects, 1 + 2, "the background and one bar per value");
        assert!(svg.contains("&lt;access&gt; &amp; more"));
    }
}
