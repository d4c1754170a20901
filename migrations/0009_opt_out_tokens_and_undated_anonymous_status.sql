-- Issue 14. Written so that running it again changes nothing more.

-- Opt-out links get tokens of their own, which can only opt out: the personal link's token no
-- longer travels in the List-Unsubscribe header that mail providers fetch. A participant's
-- current opt-out token is derived from `salt` under the link key (as personal links are), so a
-- reminder carries the same opt-out link as the invitation; only the token's SHA-256 is kept.
-- Rows without a salt hold a personal link's token that was mailed as the opt-out link before
-- this migration: those links keep opting out (they already travelled in mail headers).
CREATE TABLE IF NOT EXISTS opt_out_tokens (
    token_hash     BLOB PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    salt           BLOB
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS opt_out_tokens_current ON opt_out_tokens (participant_id) WHERE salt IS NOT NULL;
CREATE INDEX IF NOT EXISTS opt_out_tokens_participant ON opt_out_tokens (participant_id);

-- Everyone a message was handed to the mail server for (a delivery attempted) got their personal
-- token as the opt-out link.
INSERT OR IGNORE INTO opt_out_tokens (token_hash, participant_id)
SELECT p.token_hash, p.id FROM participants p
WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.participant_id = p.id AND d.attempts > 0);

-- Anonymous surveys keep a participant's status without a date: on a day with one completion,
-- the participant's date would pair them with the response's (responses keep their dates).
-- 'undated' says started or completed, and not when; the last change of such a participant that
-- was their start or completion (a date alone, as migration 5 and the date-only rule left it)
-- becomes the last change that was not.
UPDATE participants
SET started_at   = CASE WHEN started_at IS NULL THEN NULL ELSE 'undated' END,
    completed_at = CASE WHEN completed_at IS NULL THEN NULL ELSE 'undated' END,
    updated_at   = CASE WHEN length(updated_at) = 10 THEN max(
                       created_at,
                       coalesce(invited_at, created_at),
                       coalesce(reminded_at, created_at),
                       coalesce(opted_out_at, created_at))
                   ELSE updated_at END
WHERE survey_id IN (SELECT id FROM surveys WHERE json_extract(definition, '$.anonymous') = 1)
  AND (started_at IS NOT NULL OR completed_at IS NOT NULL);
