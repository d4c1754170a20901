-- Distribution: who may answer a survey and how (access mode, limits, grace period), the
-- participants with their personal links, the mail sent to them, and the trash of responses.

-- 'public': anyone with the survey's address; 'invitation': only a personal link; 'both'.
ALTER TABLE surveys ADD COLUMN access TEXT NOT NULL DEFAULT 'public'
    CHECK (access IN ('public', 'invitation', 'both'));
-- No new responses once this many are complete (NULL: no limit).
ALTER TABLE surveys ADD COLUMN response_limit INTEGER CHECK (response_limit IS NULL OR response_limit > 0);
-- After closing (by hand or at the close date), respondents mid-way may finish for this long.
ALTER TABLE surveys ADD COLUMN grace_hours INTEGER NOT NULL DEFAULT 24 CHECK (grace_hours >= 0);
-- When the survey was last closed by hand (the grace period runs from here).
ALTER TABLE surveys ADD COLUMN closed_at TEXT;

-- The researcher's time zone (IANA name), in which dates are shown and typed.
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

CREATE TABLE participants (
    id           INTEGER PRIMARY KEY,
    survey_id    INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    email        TEXT NOT NULL COLLATE NOCASE,
    name         TEXT NOT NULL DEFAULT '',
    language     TEXT NOT NULL DEFAULT '',      -- '': the survey's default language
    attributes   TEXT NOT NULL DEFAULT '{}',    -- JSON object of further columns (organisation, role, ...)
    -- The personal link's token is derived from this salt and the server's link key (a file
    -- outside the database); only its SHA-256 is kept, so a leaked database opens no survey.
    token_salt   BLOB NOT NULL,
    token_hash   BLOB NOT NULL UNIQUE,
    invited_at   TEXT,
    reminded_at  TEXT,
    reminders    INTEGER NOT NULL DEFAULT 0,
    started_at   TEXT,                          -- the link's one response began (kept for anonymous surveys too)
    completed_at TEXT,
    opted_out_at TEXT,
    mail_error   TEXT,                          -- the last failed send's server message, until a send succeeds
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    -- One status from the facts above, most telling first.
    status       TEXT GENERATED ALWAYS AS (CASE
        WHEN opted_out_at IS NOT NULL THEN 'opted_out'
        WHEN completed_at IS NOT NULL THEN 'completed'
        WHEN started_at IS NOT NULL THEN 'started'
        WHEN mail_error IS NOT NULL THEN 'failed'
        WHEN reminded_at IS NOT NULL THEN 'reminded'
        WHEN invited_at IS NOT NULL THEN 'invited'
        ELSE 'not_invited' END) VIRTUAL,
    UNIQUE (survey_id, email)
);
CREATE INDEX participants_survey ON participants (survey_id, id);

-- A personal link gives exactly one response: in a non-anonymous survey the response names its
-- participant, and the unique index allows one. Anonymous surveys leave this NULL.
ALTER TABLE responses ADD COLUMN participant_id INTEGER REFERENCES participants (id) ON DELETE CASCADE;
CREATE UNIQUE INDEX responses_participant ON responses (participant_id) WHERE participant_id IS NOT NULL;

-- Deleted responses wait in the trash for 30 days, then are purged unless restored.
ALTER TABLE responses ADD COLUMN deleted_at TEXT;
ALTER TABLE responses ADD COLUMN deleted_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX responses_trash ON responses (deleted_at) WHERE deleted_at IS NOT NULL;

-- Invitation and reminder messages per survey, kind and language (minijinja templates).
CREATE TABLE mail_templates (
    survey_id INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder')),
    language  TEXT NOT NULL,
    subject   TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (survey_id, kind, language)
) WITHOUT ROWID;

-- One sending of invitations or reminders to a set of participants.
CREATE TABLE mailings (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder')),
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    finished_at TEXT
);

-- Each message of a mailing. A message is marked 'sending' (committed) before it goes to the SMTP
-- server and 'sent' after; one found 'sending' after a crash is never sent again on its own.
CREATE TABLE deliveries (
    mailing_id     INTEGER NOT NULL REFERENCES mailings (id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    error          TEXT,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (mailing_id, participant_id)
) WITHOUT ROWID;
CREATE INDEX deliveries_participant ON deliveries (participant_id);
CREATE INDEX deliveries_pending ON deliveries (mailing_id, status);
