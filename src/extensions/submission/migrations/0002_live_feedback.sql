-- Live feedback: when on, a delivery uploaded through the API is graded at once with the
-- collection's config and its student gets the student view of the report (staff set it).
ALTER TABLE collections ADD COLUMN live_feedback boolean NOT NULL DEFAULT false;
