-- Text people typed is stored with LF line breaks (CR LF and lone CR become LF): browsers send a
-- text box's line breaks as CR LF, while the pages, passage offsets and exports count one
-- character per line break. Memos and reconciliation notes here; answers, and the passages coded
-- in them, in this migration's Rust step (src/db/migrations/line_breaks.rs), which must move each
-- passage's offsets as it shortens its answer.
UPDATE memos SET body = replace(replace(body, char(13) || char(10), char(10)), char(13), char(10))
    WHERE instr(body, char(13)) > 0;
UPDATE reconciliations SET note = replace(replace(note, char(13) || char(10), char(10)), char(13), char(10))
    WHERE instr(note, char(13)) > 0;
