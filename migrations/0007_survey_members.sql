-- Who works on a survey: its researchers (who manage it, its participants, codebooks, analysis and
-- exports, and its members) and its coders (who code the answers they are given). Admins reach
-- every survey without being members; anyone else gets "not found" for a survey they are not a
-- member of. The survey's creator is its first researcher.
-- (IF NOT EXISTS and OR IGNORE: applying this again to a database that has it changes nothing.)
CREATE TABLE IF NOT EXISTS survey_members (
    survey_id INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('researcher', 'coder')),
    added_at  TEXT NOT NULL,
    added_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (survey_id, user_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS survey_members_user ON survey_members (user_id);

-- So that a deployment from before keeps working: each survey's creator becomes its researcher
-- (a coder only if their account has since become a coder's)...
INSERT OR IGNORE INTO survey_members (survey_id, user_id, role, added_at)
SELECT s.id, s.created_by, CASE WHEN u.role = 'coder' THEN 'coder' ELSE 'researcher' END,
       strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
FROM surveys s JOIN users u ON u.id = s.created_by;

-- ...and everyone given answers to code in a survey's codebooks becomes its coder.
INSERT OR IGNORE INTO survey_members (survey_id, user_id, role, added_at)
SELECT DISTINCT c.survey_id, a.coder_id, 'coder', strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
FROM assignments a JOIN codebooks c ON c.id = a.codebook_id;
