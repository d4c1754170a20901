-- The methods pack's disclosure check (src/report/): per survey, the closed questions the
-- researcher marks as quasi-identifiers (a JSON list of question codes) and the smallest group
-- size accepted before quoting. A survey without a row has none marked and k = 5.
CREATE TABLE IF NOT EXISTS report_settings (
    survey_id         INTEGER PRIMARY KEY REFERENCES surveys (id) ON DELETE CASCADE,
    quasi_identifiers TEXT NOT NULL DEFAULT '[]',
    k                 INTEGER NOT NULL DEFAULT 5 CHECK (k >= 2)
);
