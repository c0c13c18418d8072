// The single-property index on Answer.learner_id (V0002) is redundant since V0013's answer_learner_time
// (learner_id, answered_at): every lookup of a learner's answers now seeks the composite index (an equality
// on learner_id and `answered_at IS NOT NULL`, which every stored answer satisfies), and each answer written
// no longer pays a third index entry (what that saves: `python bench/bench_answer_indexes.py`, README
// "Contract migrations"). A contract migration (its name): releases
// from before 4 December read a learner's answers by learner_id alone and would scan every answer without
// this index, so `kgplatform migrate` holds it back on a graph they may still be running on until
// `kgplatform migrate --contract` (README, "Upgrading"); rolling back past it: README, "Rolling back".
DROP INDEX answer_learner IF EXISTS;
