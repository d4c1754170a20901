//! The dataset checks, date arithmetic, the writers' layouts and their streaming (the real
//! readers are in tests/web/labelled_readers).

use super::*;

fn dataset() -> Dataset {
    let variable = |name: &str, kind| Variable {
        name: name.into(),
        label: String::new(),
        kind,
        measure: Measure::Nominal,
        value_labels: Vec::new(),
    };
    Dataset {
        label: "test".into(),
        variables: vec![variable("n", Kind::Numeric { decimals: 0 }), variable("s", Kind::String { width: 1 })],
        missing: None,
        created: jiff::civil::date(2026, 1, 2).at(3, 4, 5, 0),
    }
}

/// Rows made as asked, counting the passes and never holding more than one row.
struct Counted {
    rows: u64,
    passes: u32,
    text: String,
}

impl Rows for Counted {
    fn each(&mut self, visit: &mut dyn FnMut(&[Cell<'_>]) -> Result<(), LabelledError>) -> Result<(), LabelledError> {
        self.passes += 1;
        for i in 0..self.rows {
            visit(&[Cell::Number(i as f64), Cell::Text(self.text.as_str().into())])?;
        }
        Ok(())
    }
}

#[test]
fn a_row_that_does_not_fit_the_dataset_is_refused_with_its_place() {
    let dataset = dataset();
    let mut short: Vec<Vec<Cell>> = vec![vec![Cell::Number(1.0), Cell::Empty], vec![Cell::Number(1.0)]];
    let err = sav::write(&dataset, &mut short, Vec::new()).expect_err("a cell is missing").to_string();
    assert_eq!(err, "row 2, variable (all): 1 cells for 2 variables");
    let mut wrong: Vec<Vec<Cell>> = vec![vec![Cell::Text("one".into()), Cell::Empty]];
    let err = dta::write(&dataset, &mut wrong, Vec::new()).expect_err("text in a number").to_string();
    assert_eq!(err, "row 1, variable n: Text(\"one\") does not fit a Numeric { decimals: 0 } variable");
    let mut infinite: Vec<Vec<Cell>> = vec![vec![Cell::Number(f64::INFINITY), Cell::Empty]];
    assert!(r::write_csv(&dataset, &mut infinite, Vec::new()).is_err());
}

#[test]
fn dates_count_from_each_package_epoch() {
    let date = jiff::civil::date;
    assert_eq!(days_since_1970(date(1970, 1, 1)), 0);
    assert_eq!(dta::stata_days(date(1960, 1, 1)), 0);
    assert_eq!(dta::stata_days(date(1959, 12, 31)), -1);
    assert_eq!(dta::stata_days(date(2024, 2, 29)), 23_435);
    // SPSS: seconds since 14 October 1582.
    assert_eq!(sav::spss_seconds(date(1582, 10, 14)), 0.0);
    assert_eq!(sav::spss_seconds(date(1970, 1, 1)), 12_219_379_200.0);
}

#[test]
fn the_writers_read_the_rows_once_per_pass_and_give_the_same_bytes_each_time() {
    let dataset = dataset();
    let write = |which: &str| {
        let mut rows = Counted { rows: 3, passes: 0, text: "x".repeat(3_000) };
        let mut out = Vec::new();
        let written = match which {
            "sav" => sav::write(&dataset, &mut rows, &mut out),
            "dta" => dta::write(&dataset, &mut rows, &mut out),
            _ => r::write_csv(&dataset, &mut rows, &mut out),
        }
        .expect("written");
        assert_eq!(written.cases, 3);
        (rows.passes, out)
    };
    // SPSS measures, then writes; Stata measures, writes the data, then the long strings after
    // it; the CSV is one pass.
    assert_eq!(write("sav").0, 2);
    assert_eq!(write("dta").0, 3);
    assert_eq!(write("r").0, 1);
    assert_eq!(write("sav").1, write("sav").1);
    assert_eq!(write("dta").1, write("dta").1);
}

#[test]
fn a_text_past_what_spss_holds_is_cut_on_a_character_boundary_and_counted() {
    let dataset = dataset();
    let mut rows = Counted { rows: 2, passes: 0, text: "é".repeat(20_000) };
    let mut out = Vec::new();
    let written = sav::write(&dataset, &mut rows, &mut out).expect("written");
    assert_eq!(written, Written { cases: 2, texts_cut: 2 });
}

#[test]
fn the_sav_header_says_what_the_file_holds() {
    let mut dataset = dataset();
    dataset.label = "Überschrift".into();
    let mut rows = Counted { rows: 5, passes: 0, text: "abc".into() };
    let mut out = Vec::new();
    sav::write(&dataset, &mut rows, &mut out).expect("written");
    assert_eq!(&out[..4], b"$FL2");
    let int = |at: usize| i32::from_le_bytes(out[at..at + 4].try_into().expect("4 bytes"));
    // Layout 2, 2 units per case (a number and 3 bytes of string), compressed, no weight, 5 cases.
    assert_eq!([int(64), int(68), int(72), int(76), int(80)], [2, 2, 1, 0, 5]);
    assert_eq!(f64::from_le_bytes(out[84..92].try_into().expect("8 bytes")), 100.0);
    assert_eq!(&out[92..109], b"02 Jan 2603:04:05");
    assert!(out[109..173].starts_with("Überschrift".as_bytes()));
}

#[test]
fn the_dta_map_points_at_each_section() {
    let mut dataset = dataset();
    dataset.missing = Some(MissingCodes::default());
    let mut rows = Counted { rows: 2, passes: 0, text: "y".repeat(2_100) };
    let mut out = Vec::new();
    dta::write(&dataset, &mut rows, &mut out).expect("written");
    let map_at = out.windows(5).position(|w| w == b"<map>").expect("a map") + 5;
    let offsets: Vec<usize> = (0..14)
        .map(|i| u64::from_le_bytes(out[map_at + 8 * i..map_at + 8 * i + 8].try_into().expect("8")) as usize)
        .collect();
    let tags = [
        "<stata_dta>",
        "<map>",
        "<variable_types>",
        "<varnames>",
        "<sortlist>",
        "<formats>",
        "<value_label_names>",
        "<variable_labels>",
        "<characteristics>",
        "<data>",
        "<strls>",
        "<value_labels>",
        "</stata_dta>",
    ];
    for (offset, tag) in offsets.iter().zip(tags) {
        assert!(out[*offset..].starts_with(tag.as_bytes()), "{tag} is not at {offset}");
    }
    assert_eq!(offsets[13], out.len());
    // The 2,100-byte text is a strL: two GSO records after the data.
    assert_eq!(out.windows(3).filter(|w| w == b"GSO").count(), 2);
}
