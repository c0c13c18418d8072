// bench_answer_indexes: puts back the learner-only answer index that V0015 drops (V0002's answer_learner),
// to time answer writes with and without it in one run. Parameters: none. Schema. Benchmarks only.
CREATE INDEX answer_learner IF NOT EXISTS FOR (a:Answer) ON (a.learner_id)
