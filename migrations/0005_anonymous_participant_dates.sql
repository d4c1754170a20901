-- Anonymous surveys keep only the dates of participants' progress, as of their responses: a time
-- of day beside each could pair a participant with a response by their order. Times stamped
-- before this rule are cut to their date.
UPDATE participants
SET started_at   = substr(started_at, 1, 10),
    completed_at = substr(completed_at, 1, 10),
    updated_at   = substr(updated_at, 1, 10)
WHERE survey_id IN (SELECT id FROM surveys WHERE json_extract(definition, '$.anonymous') = 1);
