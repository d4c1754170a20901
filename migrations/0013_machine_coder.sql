-- Issue 21: the machine coder. Its models with their figures, each codebook's settings for it, and
-- the source of a coding (which model's suggestion it was accepted from: the `source` column of
-- `codings`, added by this migration's Rust step, src/db/migrations/coding_source.rs, so that the
-- migration can run again). Written so that running it again changes nothing more.

-- A trained model: what identifies it (the hash of its training set, features, parameters and
-- seed), what it was trained for, and its weights (CBOR; see src/suggest/model.rs).
CREATE TABLE IF NOT EXISTS suggest_models (
    id               INTEGER PRIMARY KEY,
    codebook_id      INTEGER NOT NULL REFERENCES codebooks (id) ON DELETE CASCADE,
    hash             TEXT NOT NULL,
    codebook_version INTEGER NOT NULL,
    parameters       TEXT NOT NULL,               -- JSON of suggest::Params
    seed             INTEGER NOT NULL,
    answers          INTEGER NOT NULL,            -- training answers (the consensus layer)
    trained_at       TEXT NOT NULL,
    trained_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    weights          BLOB NOT NULL,
    UNIQUE (codebook_id, hash)
);

-- Each code's figures against the consensus (out of fold), and whether it is eligible for
-- suggestions under the codebook's settings, with the reason (decided again when they change).
CREATE TABLE IF NOT EXISTS suggest_model_codes (
    model_id          INTEGER NOT NULL REFERENCES suggest_models (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    code_key          TEXT NOT NULL,
    positives         INTEGER NOT NULL,
    predicted         INTEGER NOT NULL,
    both              INTEGER NOT NULL,
    alpha             REAL,
    alpha_low         REAL,
    alpha_high        REAL,
    cohen_kappa       REAL,
    percent_agreement REAL,
    precision         REAL,
    recall            REAL,
    eligible          INTEGER NOT NULL CHECK (eligible IN (0, 1)),
    reason            TEXT NOT NULL,
    PRIMARY KEY (model_id, code_key)
) WITHOUT ROWID;

-- A codebook's settings for the machine coder; a codebook without a row has the defaults.
CREATE TABLE IF NOT EXISTS suggest_settings (
    codebook_id   INTEGER PRIMARY KEY REFERENCES codebooks (id) ON DELETE CASCADE,
    threshold     REAL NOT NULL DEFAULT 0.8 CHECK (threshold > 0 AND threshold <= 1),
    min_positives INTEGER NOT NULL DEFAULT 20 CHECK (min_positives >= 1),
    suggestions   INTEGER NOT NULL DEFAULT 1 CHECK (suggestions IN (0, 1))
);
