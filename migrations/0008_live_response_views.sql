-- The rules of which responses count, each written once: a response in the trash (deleted_at set)
-- is invisible to everything but the trash page, and a response is complete once submitted.
-- Readers select from these views instead of repeating the conditions.
-- (IF NOT EXISTS: applying this again to a database that has them changes nothing.)

-- Responses not in the trash; `is_complete` says whether one was submitted.
CREATE VIEW IF NOT EXISTS live_responses AS
    SELECT *, status = 'complete' AS is_complete FROM responses WHERE deleted_at IS NULL;

-- Submitted responses not in the trash: what coding, analysis and exports see by default.
CREATE VIEW IF NOT EXISTS complete_responses AS
    SELECT * FROM live_responses WHERE is_complete;

-- Responses in the trash, waiting to be restored or purged.
CREATE VIEW IF NOT EXISTS trashed_responses AS
    SELECT * FROM responses WHERE deleted_at IS NOT NULL;

-- The answers of complete responses not in the trash, with their survey.
CREATE VIEW IF NOT EXISTS complete_answers AS
    SELECT a.response_id, a.question, a.item, a.value, r.survey_id
    FROM answers a JOIN complete_responses r ON r.id = a.response_id;
