//! The codebook CSV: the shipped codebook goes out and back unchanged, Taguette's codebook CSV
//! reads, and every error of a bad file comes with its line.

use super::*;
use crate::codebook::model::from_toml;

fn shipped() -> CodebookFile {
    from_toml(&std::fs::read_to_string("codebooks/open-llm-governance.toml").unwrap()).unwrap()
}

#[test]
fn the_shipped_codebook_reads_back_unchanged() {
    let book = shipped();
    let text = to_csv(&book).unwrap();
    let back = from_csv(text.as_bytes(), &book.name).unwrap();
    let mut expected = book.clone();
    // A CSV holds the codes only: not the description, nor the codes' closed-answer mappings.
    expected.description = String::new();
    expected.closed = Vec::new();
    // Written in tree order; the same entries, each the same.
    let order: Vec<&str> = Tree::new(&book).entries().into_iter().map(|(_, e)| e.id.as_str()).collect();
    expected.codes.sort_by_key(|c| order.iter().position(|id| *id == c.id));
    assert_eq!(back, expected);
    let first = text.lines().nth(1).unwrap();
    assert!(first.starts_with("Motivations,MOTIVATION,,category,Motivations,"), "{first}");
}

#[test]
fn a_formula_looking_text_is_guarded_in_the_file_and_read_back_as_typed() {
    let mut book = shipped();
    book.codes[1].short_definition = "=HYPERLINK(\"x\")".into();
    book.codes[1].example = "- a list\n- of lines, \"quoted\"".into();
    let text = to_csv(&book).unwrap();
    assert!(text.contains("'=HYPERLINK"));
    let back = from_csv(text.as_bytes(), "x").unwrap();
    let entry = back.entry(&book.codes[1].id).unwrap();
    assert_eq!(entry.short_definition, "=HYPERLINK(\"x\")");
    assert_eq!(entry.example, "- a list\n- of lines, \"quoted\"");
}

#[test]
fn taguettes_codebook_csv_reads_with_ids_made_from_the_names() {
    let taguette = "tag,description,number of highlights,number of documents\r\n\
                    interesting,Worth a second look,3,2\r\n\
                    2nd pass,,0,0\r\n\
                    interesting!,Same name but for a mark,1,1\r\n\
                    \r\n";
    let book = from_csv(taguette.as_bytes(), "Taguette").unwrap();
    let got: Vec<(&str, &str, &str)> =
        book.codes.iter().map(|c| (c.id.as_str(), c.name.as_str(), c.short_definition.as_str())).collect();
    assert_eq!(
        got,
        [
            ("INTERESTING", "interesting", "Worth a second look"),
            ("C_2ND_PASS", "2nd pass", ""),
            ("INTERESTING_2", "interesting!", "Same name but for a mark"),
        ]
    );
}

#[test]
fn every_error_is_given_with_its_line_and_nothing_is_read() {
    let cases: [(&str, &[&str]); 5] = [
        ("id,kind\nA,code\n", &["line 1: no column names the codes"]),
        ("tag,name\nA,B\n", &["line 1: tag, name and path all name the codes"]),
        (
            "id,code_name,kind,parent,retired\nA,Alpha,code,,\nB,Beta,thing,,\nC,\"Gamma\nsecond\",code,A,maybe\nD,Delta,code,NOPE,\n",
            &[
                "line 3: kind: \"thing\" is not code or category",
                "line 4: retired: \"maybe\" is not true or false",
                "line 6, parent: there is no category NOPE",
            ],
        ),
        (
            "id,code_name\nA,Alpha,extra\n1A,One\n",
            &["line 2: 3 cells for the header's 2 columns", "line 3, id: \"1A\" is not an id"],
        ),
        ("id,code_name\nA,Alpha\nA,Beta\n", &["line 3, id: another entry already has the id A"]),
    ];
    for (text, expected) in cases {
        let errors = from_csv(text.as_bytes(), "x").unwrap_err();
        let said: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(said.len(), expected.len(), "{text}: {said:?}");
        for (said, expected) in said.iter().zip(expected) {
            assert!(said.starts_with(expected), "{text}: {said} (expected {expected})");
        }
    }
    let latin1 = b"tag,description\nCaf\xe9,x\n";
    let errors = from_csv(latin1, "x").unwrap_err();
    assert_eq!(errors[0].to_string(), "line 2: the file is not UTF-8 text: save it as CSV UTF-8");
}
