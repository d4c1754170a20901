-- Codebooks and coding: versioned codebooks per survey, codings of answers (whole answer or a
-- passage), done marks, assignments with a double-coding sample, memos and reconciliation.

CREATE TABLE codebooks (
    id                  INTEGER PRIMARY KEY,
    survey_id           INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    draft               TEXT NOT NULL,               -- JSON of the codebook being edited (codebook::model)
    draft_revision      INTEGER NOT NULL DEFAULT 0,  -- bumped by every draft edit: stale edits are refused
    published_version   INTEGER NOT NULL DEFAULT 0,  -- 0 until first published
    blind               INTEGER NOT NULL DEFAULT 1 CHECK (blind IN (0, 1)),
    reconciliation_open INTEGER NOT NULL DEFAULT 0 CHECK (reconciliation_open IN (0, 1)),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX codebooks_survey ON codebooks (survey_id);

-- Published versions are immutable snapshots.
CREATE TABLE codebook_versions (
    codebook_id  INTEGER NOT NULL REFERENCES codebooks (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    snapshot     TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (codebook_id, version)
) WITHOUT ROWID;

-- What changed, code by code; `version` is NULL until the change is published.
CREATE TABLE codebook_changes (
    id          INTEGER PRIMARY KEY,
    codebook_id INTEGER NOT NULL REFERENCES codebooks (id) ON DELETE CASCADE,
    version     INTEGER,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,  -- added, renamed, redefined, moved, merged, split, retired, restored
    code_key    TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX codebook_changes_codebook ON codebook_changes (codebook_id, version);

-- One row per code a coder (or the consensus) applied to an answer; a passage when span_start is
-- set (Unicode code points into the stored answer, end exclusive).
CREATE TABLE codings (
    id               INTEGER PRIMARY KEY,
    codebook_id      INTEGER NOT NULL REFERENCES codebooks (id) ON DELETE CASCADE,
    response_id      INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question         TEXT NOT NULL,
    coder_id         INTEGER NOT NULL REFERENCES users (id),
    layer            TEXT NOT NULL DEFAULT 'coder' CHECK (layer IN ('coder', 'consensus')),
    code_key         TEXT NOT NULL,
    span_start       INTEGER,
    span_end         INTEGER,
    codebook_version INTEGER NOT NULL,
    needs_review     INTEGER NOT NULL DEFAULT 0 CHECK (needs_review IN (0, 1)),
    created_at       TEXT NOT NULL,
    CHECK ((span_start IS NULL) = (span_end IS NULL)),
    CHECK (span_start IS NULL OR (span_start >= 0 AND span_start < span_end))
);
CREATE UNIQUE INDEX codings_whole ON codings (codebook_id, response_id, question, coder_id, layer, code_key)
    WHERE span_start IS NULL;
CREATE UNIQUE INDEX codings_span ON codings (codebook_id, response_id, question, coder_id, layer, code_key, span_start, span_end)
    WHERE span_start IS NOT NULL;
CREATE INDEX codings_unit ON codings (codebook_id, response_id, question);
CREATE INDEX codings_code ON codings (codebook_id, code_key);

-- A coder's "done" on an answer: with no codings it means "no code applies".
CREATE TABLE coding_done (
    codebook_id INTEGER NOT NULL REFERENCES codebooks (id) ON DELETE CASCADE,
    response_id INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question    TEXT NOT NULL,
    coder_id    INTEGER NOT NULL REFERENCES users (id),
    done_at     TEXT NOT NULL,
    PRIMARY KEY (codebook_id, response_id, question, coder_id)
) WITHOUT ROWID;

-- How answers were shared out: a share drawn at random (with the seed kept) goes to several coders.
CREATE TABLE assignment_runs (
    id          INTEGER PRIMARY KEY,
    codebook_id INTEGER NOT NULL REFERENCES codebooks (id) ON DELETE CASCADE,
    question    TEXT,                          -- NULL: every open question
    coders      TEXT NOT NULL,                 -- JSON list of user ids
    double_share REAL NOT NULL,                -- 0..1: the share given to several coders
    coders_per_double INTEGER NOT NULL,
    seed        INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL
);

CREATE TABLE assignments (
    codebook_id INTEGER NOT NULL REFERENCES codebooks (id) ON DELETE CASCADE,
    response_id INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question    TEXT NOT NULL,
    coder_id    INTEGER NOT NULL REFERENCES users (id),
    run_id      INTEGER NOT NULL REFERENCES assignment_runs (id) ON DELETE CASCADE,
    PRIMARY KEY (codebook_id, response_id, question, coder_id)
) WITHOUT ROWID;
CREATE INDEX assignments_coder ON assignments (codebook_id, coder_id);

CREATE TABLE memos (
    id          INTEGER PRIMARY KEY,
    codebook_id INTEGER NOT NULL REFERENCES codebooks (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('answer', 'code', 'journal')),
    response_id INTEGER REFERENCES responses (id) ON DELETE CASCADE,
    question    TEXT,
    code_key    TEXT,
    author_id   INTEGER NOT NULL REFERENCES users (id),
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX memos_unit ON memos (codebook_id, response_id, question);

-- A reconciled answer: its consensus codings are in `codings` with layer 'consensus'.
CREATE TABLE reconciliations (
    codebook_id   INTEGER NOT NULL REFERENCES codebooks (id) ON DELETE CASCADE,
    response_id   INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question      TEXT NOT NULL,
    reconciler_id INTEGER NOT NULL REFERENCES users (id),
    note          TEXT NOT NULL DEFAULT '',
    resolved_at   TEXT NOT NULL,
    PRIMARY KEY (codebook_id, response_id, question)
) WITHOUT ROWID;
