-- Issue 20: the token API and webhooks. Personal access tokens, the order in which responses were
-- completed (what `since=` of the responses endpoint counts by), each survey's webhooks and the
-- queue of their deliveries. Written so that running it again changes nothing more.

-- A personal access token. The token is `fw_` + `prefix` + a secret; the prefix finds the row
-- (and is shown in lists), and only the SHA-256 of the whole token is kept, compared in constant
-- time. `scope` is what it may do: read, or read and write.
CREATE TABLE IF NOT EXISTS api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL UNIQUE,
    token_hash   BLOB NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    created_at   TEXT NOT NULL,
    expires_at   INTEGER,                 -- Unix seconds; NULL: never
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens (user_id);

-- One row per completed response, in the order they were completed: `seq` is the cursor of an
-- incremental pull. (Anonymous surveys store only the date of a completion, so no time can
-- serve.) Written by the triggers below, in the statement that completes (or inserts) a
-- response, whichever code does it.
CREATE TABLE IF NOT EXISTS response_completions (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    response_id INTEGER NOT NULL UNIQUE REFERENCES responses (id) ON DELETE CASCADE,
    survey_id   INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS response_completions_survey ON response_completions (survey_id, seq);
INSERT OR IGNORE INTO response_completions (response_id, survey_id)
    SELECT id, survey_id FROM responses WHERE status = 'complete' ORDER BY submitted_at, id;
CREATE TRIGGER IF NOT EXISTS response_completed AFTER UPDATE OF status ON responses
    WHEN NEW.status = 'complete' AND OLD.status != 'complete'
BEGIN
    INSERT OR IGNORE INTO response_completions (response_id, survey_id) VALUES (NEW.id, NEW.survey_id);
END;
CREATE TRIGGER IF NOT EXISTS response_inserted_complete AFTER INSERT ON responses
    WHEN NEW.status = 'complete'
BEGIN
    INSERT OR IGNORE INTO response_completions (response_id, survey_id) VALUES (NEW.id, NEW.survey_id);
END;
-- A complete response restored from the trash takes a new place at the end, so that the next
-- incremental pull brings it again.
CREATE TRIGGER IF NOT EXISTS response_restored AFTER UPDATE OF deleted_at ON responses
    WHEN OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL AND NEW.status = 'complete'
BEGIN
    DELETE FROM response_completions WHERE response_id = NEW.id;
    INSERT INTO response_completions (response_id, survey_id) VALUES (NEW.id, NEW.survey_id);
END;

-- A URL a survey's researcher registered to be told of each completed response; `secret` signs
-- every payload (HMAC-SHA256), shown to the researcher so that the receiver can check it.
CREATE TABLE IF NOT EXISTS webhooks (
    id         INTEGER PRIMARY KEY,
    survey_id  INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS webhooks_survey ON webhooks (survey_id);

-- The delivery queue and its log: one row per event and webhook, written in the transaction that
-- caused the event, sent (at least once) by the webhook sender with retries and backoff.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event           TEXT NOT NULL,         -- response.completed, test
    response_id     INTEGER,               -- the response completed (no foreign key: the log outlives a purge)
    payload         TEXT NOT NULL,         -- the JSON body sent
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,      -- Unix milliseconds
    last_status     INTEGER,               -- the receiver's HTTP status, if it answered
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    delivered_at    TEXT
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
-- A response is queued once per webhook, however often its completion is written.
CREATE UNIQUE INDEX IF NOT EXISTS webhook_deliveries_once ON webhook_deliveries (webhook_id, response_id)
    WHERE event = 'response.completed';
