-- The coding path by key (issue 15, step 4), and the coding screen's setting (issue 16): a coder's
-- queue, their next answer not done and their counts are read by key, whatever the survey's size.
-- Written so that running it again changes nothing more. Its new columns are added before it runs
-- (`new_columns` in src/db/migrations/mod.rs, as ALTER TABLE has no IF NOT EXISTS):
--   codebooks.coders_see_closed_answers  whether coders see the respondent's closed answers beside
--       the answer they code (collapsed); off when closed answers must not bias the coding. Stored
--       plainly on the codebook, for reports that compare closed answers with the coding;
--   assignments.done                     the coder's done mark, copied onto their assignment by the
--       triggers below, so that "the next answer not done" is a seek in `assignments_open`;
--   assignment_runs.questions            the questions chosen (JSON list);
--   assignment_runs.total, .written      answers drawn and written so far: an assignment is written
--       in batches, none holding the writer long;
--   assignment_runs.finished_at          NULL while it is being written.

UPDATE assignments SET done = 1 WHERE done = 0 AND EXISTS (
    SELECT 1 FROM coding_done d WHERE d.codebook_id = assignments.codebook_id
        AND d.response_id = assignments.response_id AND d.question = assignments.question
        AND d.coder_id = assignments.coder_id);
CREATE INDEX IF NOT EXISTS assignments_open ON assignments (codebook_id, coder_id, response_id, question) WHERE done = 0;
-- For the triggers when a response goes to the trash, comes back or is deleted.
CREATE INDEX IF NOT EXISTS assignments_response ON assignments (response_id);
-- For removing an earlier run's assignments of a question in batches.
CREATE INDEX IF NOT EXISTS assignments_run ON assignments (codebook_id, question, run_id);

-- Runs from before: finished.
UPDATE assignment_runs SET finished_at = created_at WHERE finished_at IS NULL AND total = 0;

-- The journal and the memos on codes, listed by kind.
CREATE INDEX IF NOT EXISTS memos_kind ON memos (codebook_id, kind, id);

-- Each coder's counts in a codebook, per question: the answers assigned to them in responses not in
-- the trash, and how many of those they marked done. Kept by the triggers below in the transaction
-- of every change, so that a page reads them by key.
CREATE TABLE IF NOT EXISTS coding_counts (
    codebook_id INTEGER NOT NULL REFERENCES codebooks (id) ON DELETE CASCADE,
    coder_id    INTEGER NOT NULL REFERENCES users (id),
    question    TEXT NOT NULL,
    assigned    INTEGER NOT NULL DEFAULT 0,
    done        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (codebook_id, coder_id, question)
) WITHOUT ROWID;
DELETE FROM coding_counts;
INSERT INTO coding_counts (codebook_id, coder_id, question, assigned, done)
    SELECT a.codebook_id, a.coder_id, a.question, COUNT(*), SUM(a.done)
    FROM assignments a JOIN live_responses r ON r.id = a.response_id GROUP BY a.codebook_id, a.coder_id, a.question;

-- A done mark given or taken back shows on the assignment.
CREATE TRIGGER IF NOT EXISTS coding_done_marks_assignment AFTER INSERT ON coding_done BEGIN
    UPDATE assignments SET done = 1 WHERE codebook_id = NEW.codebook_id AND response_id = NEW.response_id
        AND question = NEW.question AND coder_id = NEW.coder_id;
END;
CREATE TRIGGER IF NOT EXISTS coding_done_unmarks_assignment AFTER DELETE ON coding_done BEGIN
    UPDATE assignments SET done = 0 WHERE codebook_id = OLD.codebook_id AND response_id = OLD.response_id
        AND question = OLD.question AND coder_id = OLD.coder_id;
END;

-- A new assignment counts (done if the coder had already marked the answer done). Assignments are
-- written with INSERT … ON CONFLICT DO UPDATE, never INSERT OR REPLACE, whose deletions fire no
-- trigger.
CREATE TRIGGER IF NOT EXISTS assignment_counted AFTER INSERT ON assignments BEGIN
    UPDATE assignments SET done = 1 WHERE codebook_id = NEW.codebook_id AND response_id = NEW.response_id
        AND question = NEW.question AND coder_id = NEW.coder_id AND done = 0
        AND EXISTS (SELECT 1 FROM coding_done d WHERE d.codebook_id = NEW.codebook_id
            AND d.response_id = NEW.response_id AND d.question = NEW.question AND d.coder_id = NEW.coder_id);
    INSERT INTO coding_counts (codebook_id, coder_id, question, assigned, done)
        SELECT NEW.codebook_id, NEW.coder_id, NEW.question, 1, NEW.done
        WHERE EXISTS (SELECT 1 FROM live_responses WHERE id = NEW.response_id)
        ON CONFLICT (codebook_id, coder_id, question) DO UPDATE SET assigned = assigned + 1, done = done + excluded.done;
END;
CREATE TRIGGER IF NOT EXISTS assignment_done_counted AFTER UPDATE OF done ON assignments WHEN OLD.done != NEW.done BEGIN
    INSERT INTO coding_counts (codebook_id, coder_id, question, assigned, done)
        SELECT NEW.codebook_id, NEW.coder_id, NEW.question, 0, NEW.done - OLD.done
        WHERE EXISTS (SELECT 1 FROM live_responses WHERE id = NEW.response_id)
        ON CONFLICT (codebook_id, coder_id, question) DO UPDATE SET done = done + excluded.done;
END;
-- (When a response is deleted, its assignments go after it: it is no longer there to count, and
-- `response_uncounted` has already taken them off.)
CREATE TRIGGER IF NOT EXISTS assignment_uncounted AFTER DELETE ON assignments BEGIN
    INSERT INTO coding_counts (codebook_id, coder_id, question, assigned, done)
        SELECT OLD.codebook_id, OLD.coder_id, OLD.question, -1, -OLD.done
        WHERE EXISTS (SELECT 1 FROM live_responses WHERE id = OLD.response_id)
        ON CONFLICT (codebook_id, coder_id, question) DO UPDATE SET assigned = assigned - 1, done = done + excluded.done;
END;

-- A response put in the trash takes its assignments off the counts; restored, it puts them back.
CREATE TRIGGER IF NOT EXISTS response_trash_counted AFTER UPDATE OF deleted_at ON responses
    WHEN (OLD.deleted_at IS NULL) != (NEW.deleted_at IS NULL) BEGIN
    INSERT INTO coding_counts (codebook_id, coder_id, question, assigned, done)
        SELECT a.codebook_id, a.coder_id, a.question, SUM(s.sign), SUM(s.sign * a.done)
        FROM assignments a, (SELECT CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END AS sign) s
        WHERE a.response_id = NEW.id GROUP BY a.codebook_id, a.coder_id, a.question
        ON CONFLICT (codebook_id, coder_id, question) DO UPDATE
            SET assigned = assigned + excluded.assigned, done = done + excluded.done;
END;
CREATE TRIGGER IF NOT EXISTS response_uncounted BEFORE DELETE ON responses WHEN OLD.deleted_at IS NULL BEGIN
    INSERT INTO coding_counts (codebook_id, coder_id, question, assigned, done)
        SELECT a.codebook_id, a.coder_id, a.question, -COUNT(*), -SUM(a.done) FROM assignments a
        WHERE a.response_id = OLD.id GROUP BY a.codebook_id, a.coder_id, a.question
        ON CONFLICT (codebook_id, coder_id, question) DO UPDATE
            SET assigned = assigned + excluded.assigned, done = done + excluded.done;
END;
