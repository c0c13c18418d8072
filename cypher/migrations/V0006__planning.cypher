// Plans: a learner's plans are read newest first (serving, staleness) and pruned by learner.
CREATE INDEX plan_learner_created IF NOT EXISTS FOR (p:Plan) ON (p.learner_id, p.created_at);
