//! Tests of the REFI-QDA codebook export and import.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::build::*;
use super::write::*;
use super::*;
use crate::codebook::model::{CodeEntry, CodeKind, CodebookFile, FORMAT};

/// The REFI-QDA codebook schema, when the reference folder is there.
fn schema() -> Option<PathBuf> {
    crate::shared_folder::shared_file("refi-qda/Codebook.xsd")
}

/// Validates a file against the schema with xmllint; `Err` holds xmllint's complaint.
fn xmllint(schema: &Path, file: &Path) -> Result<(), String> {
    let output = Command::new("xmllint").arg("--noout").arg("--schema").arg(schema).arg(file).output();
    match output {
        Err(err) => panic!("xmllint could not run ({err}): install Debian's libxml2-utils, as .ci/test does"),
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    }
}

fn validate(schema: &Path, qdc: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("codebook.qdc");
    std::fs::write(&path, qdc).unwrap();
    xmllint(schema, &path)
}

fn entry(id: &str, parent: Option<&str>, kind: CodeKind, name: &str) -> CodeEntry {
    CodeEntry { id: id.into(), parent: parent.map(Into::into), kind, name: name.into(), ..CodeEntry::default() }
}

/// Categories two deep, a mutually exclusive one, tricky text, a retired code, non-ASCII.
fn sample() -> CodebookFile {
    let mut motivation = entry("MOTIVATION", None, CodeKind::Category, "Motivations");
    motivation.short_definition = "Why the respondent takes part.".into();
    motivation.colour = Some("#1F77B4".into());
    let mut social = entry("MOT_SOCIAL", Some("MOTIVATION"), CodeKind::Category, "Social & <political>");
    social.mutually_exclusive = true;
    let mut access = entry("MOT_ACCESS", Some("MOT_SOCIAL"), CodeKind::Code, "Democratising \"access\"");
    access.short_definition = "Models for people who 'lack' them.".into();
    access.definition = "The respondent contributes so that\nDefinition: this line is not a new field\n\n  indented & <marked> \"quoted\" 'too'\n".into();
    access.when_to_use = "Apply when > 1 group benefits.".into();
    access.when_not_to_use = "Not for open science\n(use MOT_SCIENCE).".into();
    access.example = " “We wanted a model a lab in Nairobi can run.” 🚀".into();
    access.near_miss =
        "“Free for us to use” is about cost to the project\nExample: not a new field (use MOT_COMMERCIAL).".into();
    access.colour = Some("#FF7F0E".into());
    access.shortcut = Some("a".into());
    access.guid = Some("3F2504E0-4F89-41D3-9A0C-0305E82C3301".into());
    let mut science = entry("MOT_SCIENCE", Some("MOT_SOCIAL"), CodeKind::Code, "Open science 🔬");
    science.retired = true;
    science.definition = "\nStarts with an empty line.\tTabbed.".into();
    let mut fun = entry("MOT_FUN", Some("MOTIVATION"), CodeKind::Code, "Fun");
    fun.example = "Retired: yes\nfieldwork id: NOT_THIS".into();
    let ethics = entry("ETHICS", None, CodeKind::Category, "Ética y seguridad");
    let mut risk = entry("ETH_RISK", Some("ETHICS"), CodeKind::Code, "Riesgo «dual» ☢️");
    risk.short_definition = "Definition: looks like a label".into();
    let other = entry("OTHER", None, CodeKind::Code, "Other");
    CodebookFile {
        format: FORMAT,
        name: "Ética y seguridad: open LLMs 🤖".into(),
        description: "Codes for the open questions.\n\tSecond line & <more> \"quotes\" ?>".into(),
        codes: vec![motivation, social, access, science, fun, ethics, risk, other],
        closed: Vec::new(),
    }
}

#[test]
fn an_export_validates_against_the_refi_qda_schema() {
    let qdc = to_qdc(&sample());

    if let Some(schema) = schema() {
        validate(&schema, &qdc).unwrap_or_else(|err| panic!("{err}\n{qdc}"));
        // The check bites: a colour the schema does not allow is refused.
        assert!(validate(&schema, &qdc.replacen("color=\"#1F77B4\"", "color=\"blue\"", 1)).is_err());
    }
    assert_eq!(qdc.matches("isCodable=\"false\"").count(), 3);
    assert!(qdc.contains("guid=\"3F2504E0-4F89-41D3-9A0C-0305E82C3301\""), "{qdc}");
    assert!(qdc.contains(&format!("guid=\"{}\"", guid_for_id("OTHER"))), "{qdc}");
    assert!(qdc.contains("Mutually exclusive: yes"));
    assert_eq!(to_qdc(&sample()), qdc, "exports are stable");
}

#[test]
fn derived_guids_are_version_8_rfc_4122_uuids() {
    let guid = guid_for_id("MOT_ACCESS");
    assert!(bare_guid(&guid).is_some(), "{guid}");
    assert_eq!(&guid[14..15], "8");
    assert!(matches!(&guid[19..20], "8" | "9" | "a" | "b"), "{guid}");
    assert_ne!(guid, guid_for_id("MOT_SCIENCE"));
}

#[test]
fn a_codebook_round_trips_through_qdc_without_notes() {
    let mut expected = sample();
    for code in &mut expected.codes {
        code.shortcut = None;
    }

    let import = from_qdc(to_qdc(&sample()).as_bytes(), "unused").unwrap();

    assert_eq!(import.notes, Vec::<String>::new());
    assert_eq!(import.file, expected);
}

#[test]
fn the_specification_example_imports_and_exports_again() {
    let Some(path) = crate::shared_folder::shared_file("refi-qda/spec-annexA1-codebook.qdc") else { return };
    let bytes = std::fs::read(&path).unwrap();

    let import = from_qdc(&bytes, "Annex A.1").unwrap();

    assert_eq!(import.notes, Vec::<String>::new());
    let file = &import.file;
    assert_eq!(file.name, "Annex A.1");
    assert!(file.check().is_empty());
    let summary: Vec<_> = file
        .codes
        .iter()
        .map(|c| (c.kind, c.name.as_str(), c.colour.as_deref(), c.short_definition.as_str(), c.guid.as_deref()))
        .collect();
    use CodeKind::{Category, Code};
    assert_eq!(
        summary,
        [
            (Category, "Topics", None, "", Some("5215cc69-b628-4e02-afb9-9beeaee55808")),
            (
                Code,
                "Economy",
                Some("#FFFF00"),
                "Anything about jobs or taxes or business",
                Some("d7aa29da-519b-4946-9b90-253b6db8fd0a")
            ),
            (
                Code,
                "Health care",
                Some("#33CC33"),
                "Health care issues, doctor, patients, etc.",
                Some("0dcef2f5-e55c-49da-8c33-9b0803c7aeb4")
            ),
            (Category, "Values", None, "", Some("9fa9bcb7-5b59-47a9-8c3e-f65cffdc7520")),
            (
                Code,
                "Conservatives",
                Some("#FF0000"),
                "Republicans or right-wing libertarians",
                Some("7c108712-b650-4892-ac0b-fc9a10190c3b")
            ),
            (
                Code,
                "Liberals",
                Some("#0000FF"),
                "Democrats, socialists, or progressive independents",
                Some("12365523-1035-4afa-9e7b-281fe0bc51c5")
            ),
        ]
    );
    let ids: Vec<&str> = file.codes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["TOPICS", "ECONOMY", "HEALTH_CARE", "VALUES", "CONSERVATIVES", "LIBERALS"]);

    let qdc = to_qdc(file);
    validate(&path.with_file_name("Codebook.xsd"), &qdc).unwrap_or_else(|err| panic!("{err}\n{qdc}"));
    assert_eq!(from_qdc(qdc.as_bytes(), "other name").unwrap().file, *file, "guids and ids survive");
}

const LENIENT: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<!-- written by hand -->
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Some QDA 1.0" flavour="odd">
  <Codes>
<Code guid="{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}" name="Feelings" isCodable="true" color="rgb(255, 0, 0)" weight="3">
  <Description>Emotions
in general</Description>
  <Code guid="11111111-2222-3333-4444-555555555555" name="Joy" isCodable="true" color="#f00"/>
  <Code guid="11111111-2222-3333-4444-555555555556" name=" joy" isCodable="true" color="blue"/>
  <Memo>private <b>notes</b></Memo>
  <Memo/>
</Code>
<Code guid="not-a-guid" name="Ética y seguridad" isCodable="false"/>
<Code name="No guid" isCodable="yes" color="#00Ff00">
  <Description>Retired: yes
Mutually exclusive: yes
fieldwork id: 9lives</Description>
</Code>
<Code guid="11111111-2222-3333-4444-555555555555" isCodable="false"/>
  </Codes>
  <Sets>
<Set guid="99999999-2222-3333-4444-555555555555" name="Favourites">
  <MemberCode guid="11111111-2222-3333-4444-555555555555"/>
</Set>
  </Sets>
  <Extra/>
</CodeBook>
"##;

#[test]
fn odd_colours_missing_parts_and_unknown_elements_import_with_notes() {
    let import = from_qdc(LENIENT.as_bytes(), "Hand-made").unwrap();

    let file = &import.file;
    assert_eq!(file.name, "Hand-made");
    let summary: Vec<_> = file
        .codes
        .iter()
        .map(|c| (c.id.as_str(), c.parent.as_deref(), c.kind, c.name.as_str(), c.colour.as_deref()))
        .collect();
    use CodeKind::{Category, Code};
    assert_eq!(
        summary,
        [
            ("FEELINGS", None, Category, "Feelings", Some("#FF0000")),
            ("JOY", Some("FEELINGS"), Code, "Joy", Some("#FF0000")),
            ("JOY_2", Some("FEELINGS"), Code, " joy (2)", None),
            ("ETICA_Y_SEGURIDAD", None, Category, "Ética y seguridad", None),
            ("NO_GUID", None, Code, "No guid", Some("#00FF00")),
            ("UNNAMED_CODE", None, Category, "Unnamed code", None),
        ]
    );
    assert_eq!(file.codes[0].definition, "Emotions\nin general");
    assert_eq!(file.codes[0].guid.as_deref(), Some("AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE"));
    assert_eq!(file.codes[1].short_definition, "");
    assert!(file.codes[4].retired && !file.codes[4].mutually_exclusive);
    assert_eq!(file.codes[5].guid, None, "a repeated guid is dropped");
    let notes = import.notes.join("\n");
    for expected in [
        "\"Feelings\" (line 5) is codable but holds other codes, so it became a category",
        "the colour \"blue\" could not be read",
        "is called \" joy (2)\"",
        "\"not-a-guid\" is not a GUID",
        "\"No guid\" (line 14) has no guid",
        "isCodable=\"yes\" is neither true nor false",
        "\"9lives\" is not a fieldwork id",
        "only a category can be mutually exclusive",
        "has no name",
        "has the guid of an earlier code",
        "Skipped the code sets (<Sets>, line 21)",
        "Skipped the element <Memo> inside <Code> (line 10, 2 times)",
        "Skipped the element <Extra> inside <CodeBook> (line 26)",
        "Skipped the attribute weight of <Code> (line 5)",
        "Skipped the attribute flavour of <CodeBook> (line 3)",
    ] {
        assert!(notes.contains(expected), "no note with {expected:?} in\n{notes}");
    }
    assert!(!notes.contains("<b>"), "what is inside a skipped element is not looked at: {notes}");
    if let Some(schema) = schema() {
        validate(&schema, &to_qdc(file)).unwrap();
    }
}

#[test]
fn a_plain_description_that_merely_starts_with_a_label_is_still_read() {
    let described = read_description("Definition: a\nsecond line without indent", "x", &mut Vec::new());
    assert_eq!(described.definition, "Definition: a\nsecond line without indent");
    let described = read_description("Example: one line", "x", &mut Vec::new());
    assert_eq!(described.example, "one line");
}

#[test]
fn colours_are_read_in_every_common_spelling() {
    for (raw, expected) in [
        ("#1f77b4", Some("#1F77B4")),
        ("#F0a", Some("#FF00AA")),
        ("rgb(255,0,0)", Some("#FF0000")),
        (" RGB( 1 , 2 , 3 ) ", Some("#010203")),
        ("00ff00", Some("#00FF00")),
        ("rgb(256,0,0)", None),
        ("rgb(1,2)", None),
        ("#12345", None),
        ("blue", None),
    ] {
        assert_eq!(read_colour(raw).as_deref(), expected, "{raw}");
    }
}

#[test]
fn broken_files_are_refused_with_a_place_and_a_reason() {
    let good = to_qdc(&sample());
    let cut = &good[..good.len() / 2];
    let codebook =
        |inner: &str| format!("<?xml version=\"1.0\"?>\n<CodeBook xmlns=\"{NAMESPACE}\">\n{inner}\n</CodeBook>");
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        ("CSV", b"name,definition\nJoy,Happy\n".to_vec(), "line 1, column 1", "not an XML file"),
        ("empty", Vec::new(), "line 1, column 1", "no XML element"),
        ("binary", b"<CodeBook>\x89PNG\xff\xfe".to_vec(), "line 1, column 11", "not UTF-8"),
        ("truncated", cut.as_bytes().to_vec(), "line", "cut short"),
        (
            "truncated tag",
            b"<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes><Code guid=\"".to_vec(),
            "line 1",
            "not well-formed",
        ),
        ("mismatched", codebook("<Codes><Code></Codes>").into_bytes(), "line 3", "not well-formed"),
        (
            "project",
            b"<Project xmlns=\"urn:QDA-XML:project:1.0\"/>".to_vec(),
            "line 1, column 1",
            "export its codebook as .qdc",
        ),
        ("html", b"<!DOCTYPE html>\n<html><body/></html>".to_vec(), "line 2, column 1", "the root element is <html>"),
        (
            "namespace",
            b"<CodeBook xmlns=\"urn:QDA-XML:project:1.0\"><Codes/></CodeBook>".to_vec(),
            "line 1",
            "namespace urn:QDA-XML:project:1.0",
        ),
        (
            "no codes",
            codebook("<Sets><Set guid=\"x\" name=\"s\"/></Sets>").into_bytes(),
            "line 2, column 1",
            "has no <Codes>",
        ),
        ("two roots", format!("{}\n<CodeBook/>", codebook("<Codes/>")).into_bytes(), "line 5", "second root element"),
        (
            "duplicate attribute",
            codebook("<Codes><Code name=\"a\" name=\"b\"/></Codes>").into_bytes(),
            "line 3",
            "not well-formed",
        ),
        (
            "bad reference",
            codebook("<Codes><Code><Description>&#0;</Description></Code></Codes>").into_bytes(),
            "line 3",
            "not well-formed",
        ),
    ];
    for (what, bytes, place, reason) in cases {
        let errors = from_qdc(&bytes, "x").expect_err(what);
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(errors.iter().any(|e| e.path.starts_with(place) && e.message.contains(reason)), "{what}: {shown:?}");
    }
}

#[test]
fn a_line_break_in_a_name_or_a_control_character_is_refused_at_its_line_and_crlf_becomes_lf() {
    let codebook = |inner: &str| {
        format!("<?xml version=\"1.0\"?>\n<CodeBook xmlns=\"{NAMESPACE}\">\n<Codes>\n{inner}\n</Codes>\n</CodeBook>")
    };
    let bytes = codebook("<Code guid=\"x\" name=\"Fine\"/>\n<Code guid=\"y\" name=\"Two&#10;lines\"/>");
    let errors: Vec<String> = from_qdc(bytes.as_bytes(), "x").unwrap_err().iter().map(ToString::to_string).collect();
    assert_eq!(errors, ["line 5, name: has a line break at character 4; it must be one line"]);

    let described = "<Code name=\"A\"><Description>Definition: One&#13;&#10;two\u{1}</Description></Code>";
    let errors = from_qdc(codebook(described).as_bytes(), "x").unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        shown.iter().any(|e| e.starts_with("line 4, definition: has an invisible control character (U+0001)")),
        "{shown:?}"
    );

    let described = "<Code name=\"A\"><Description>One&#13;&#10;two&#13;three</Description></Code>";
    let imported = from_qdc(codebook(described).as_bytes(), "x").unwrap();
    assert_eq!(imported.file.codes[0].definition, "One\ntwo\nthree");
}

#[test]
fn every_cut_short_export_is_refused_without_a_panic() {
    let good = to_qdc(&sample());
    for end in (0..good.len()).filter(|&end| good.is_char_boundary(end)) {
        assert!(from_qdc(&good.as_bytes()[..end], "x").is_err(), "accepted the first {end} bytes");
    }
}

#[test]
fn utf16_files_are_read() {
    let text = to_qdc(&sample());
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(from_qdc(&bytes, "x").unwrap().file.codes.len(), sample().codes.len());
}

/// A .qdc of one chain of `levels` nested codes, one element a line (the first code on line 3),
/// and, inside the deepest, `wide` codes all named alike.
fn nested_qdc(levels: usize, wide: usize) -> String {
    let mut qdc = format!("<?xml version=\"1.0\"?>\n<CodeBook xmlns=\"{NAMESPACE}\"><Codes>\n");
    for level in 0..levels {
        qdc.push_str(&format!("<Code name=\"Level {level}\" isCodable=\"false\">\n"));
    }
    for _ in 0..wide {
        qdc.push_str("<Code name=\"Same name\" isCodable=\"true\"/>\n");
    }
    qdc.push_str(&"</Code>".repeat(levels));
    qdc.push_str("\n</Codes></CodeBook>\n");
    qdc
}

#[test]
fn codes_nested_deeper_than_twelve_levels_are_refused_at_the_first_too_deep() {
    let found = from_qdc(nested_qdc(11, 1).as_bytes(), "Deep").unwrap();
    assert_eq!(found.file.tree().iter().map(|(depth, _)| depth).max(), Some(&11), "twelve levels are fine");

    let errors = from_qdc(nested_qdc(13, 0).as_bytes(), "Too deep").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        "line 15, column 1: this <Code> is nested 13 levels deep, and a codebook has at most 12 levels: move it, \
         or a code around it, higher up"
    );
    // 20,000 levels: refused at the thirteenth, without reading the rest of the file.
    let errors = from_qdc(nested_qdc(20_000, 0).as_bytes(), "Deeper").unwrap_err();
    assert!(errors[0].path.starts_with("line 15,"), "{errors:?}");
}

#[test]
fn many_codes_of_one_name_get_distinct_ids_and_names() {
    let found = from_qdc(nested_qdc(1, 20_000).as_bytes(), "Wide").unwrap();
    assert_eq!(found.file.codes.len(), 20_001);
    let ids: std::collections::HashSet<&str> = found.file.codes.iter().map(|c| c.id.as_str()).collect();
    let names: std::collections::HashSet<&str> = found.file.codes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!((ids.len(), names.len()), (20_001, 20_001));
    assert!(names.contains("Same name (20000)") && ids.contains("SAME_NAME_20000"), "numbered in order");
    assert_eq!(found.notes.len(), 21, "the first notes, and how many more");
    assert!(found.notes[20].starts_with("And ") && found.notes[20].ends_with(" more notes of the same kinds."));
}
