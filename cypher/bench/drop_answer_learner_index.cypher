// bench_answer_indexes: removes the learner-only answer index again (as V0015 does). Parameters: none.
// Schema. Benchmarks only.
DROP INDEX answer_learner IF EXISTS
