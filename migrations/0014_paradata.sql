-- Issue 17: paradata and randomised order. Written so that running it again changes nothing more.

-- Two columns of `responses` are added by the migration's step in Rust (src/db/migrations/
-- paradata_columns.rs), only where missing: `order_seed`, the seed a response's randomised orders
-- are drawn from (NULL before this migration: such a response is drawn from its id), and
-- `device`, the class of the device that began it (phone, tablet or desktop, never the
-- User-Agent itself; NULL in anonymous surveys).

-- Each save of a page, in order: its code, the language it was answered in, when it was shown
-- (RFC 3339 UTC; NULL in anonymous surveys, which keep no durations) and when it was saved (the
-- date only in anonymous surveys). Time on a page is the sum of saved_at - shown_at over its saves.
CREATE TABLE IF NOT EXISTS page_visits (
    response_id INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    page        TEXT NOT NULL,
    language    TEXT NOT NULL,
    shown_at    TEXT,
    saved_at    TEXT NOT NULL,
    PRIMARY KEY (response_id, seq)
) WITHOUT ROWID;

-- The order a response was first shown each randomised element in: a page's questions (element:
-- the page's code) or a question's choices or matrix rows (the question's code), as codes
-- separated by single spaces.
CREATE TABLE IF NOT EXISTS shown_orders (
    response_id INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    element     TEXT NOT NULL,
    codes       TEXT NOT NULL,
    PRIMARY KEY (response_id, element)
) WITHOUT ROWID;
