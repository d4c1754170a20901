-- Surveys, their published versions, and the responses with their answers (one row per answer).

CREATE TABLE surveys (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    status     TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
    version    INTEGER NOT NULL DEFAULT 1,     -- bumped by every change once the survey has been opened
    definition TEXT NOT NULL,                  -- JSON of the current definition (see survey::model)
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    opened_at  TEXT                            -- first time the survey was opened
);

-- Every definition respondents may have answered, so each response can be read against its own.
CREATE TABLE survey_versions (
    survey_id  INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    definition TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (survey_id, version)
) WITHOUT ROWID;

CREATE TABLE responses (
    id              INTEGER PRIMARY KEY,
    survey_id       INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    resume_hash     BLOB NOT NULL UNIQUE,     -- SHA-256 of the respondent's resume token
    status          TEXT NOT NULL DEFAULT 'partial' CHECK (status IN ('partial', 'complete')),
    survey_version  INTEGER NOT NULL,
    language        TEXT NOT NULL,
    page_index      INTEGER NOT NULL DEFAULT 0, -- the page to resume at
    consent_version INTEGER,                  -- survey version whose consent text was accepted
    consent_at      TEXT,
    -- Exact times for non-anonymous surveys; the date only (YYYY-MM-DD) for anonymous ones.
    started_at      TEXT NOT NULL,
    submitted_at    TEXT,
    duration_s      INTEGER,                  -- NULL for anonymous surveys
    client_ip       TEXT,                     -- NULL for anonymous surveys
    user_agent      TEXT,                     -- NULL for anonymous surveys
    updated_at      TEXT NOT NULL
);
CREATE INDEX responses_survey ON responses (survey_id, status);

-- One row per answer: item is '' for single-valued questions, the choice code for multiple choice
-- and ranking, the row code for a matrix, and 'other' for an "Other (please specify)" text.
CREATE TABLE answers (
    response_id INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question    TEXT NOT NULL,
    item        TEXT NOT NULL DEFAULT '',
    value       TEXT NOT NULL,
    PRIMARY KEY (response_id, question, item)
) WITHOUT ROWID;

-- For each translated text, a digest of the default-language text it was translated from: when
-- the source text changes afterwards, the translation is shown as out of date.
CREATE TABLE translation_sources (
    survey_id     INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    path          TEXT NOT NULL,               -- e.g. questions.Q1.text, questions.Q1.choices.a
    language      TEXT NOT NULL,
    source_digest BLOB NOT NULL,
    PRIMARY KEY (survey_id, path, language)
) WITHOUT ROWID;
