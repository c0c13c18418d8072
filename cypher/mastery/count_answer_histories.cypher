// How many answers each learner has stored: the size of their full replay, so that one ingest transaction
// replays a bounded number of answers (the rest of the batch goes to the next transaction).
// Parameters: $learner_ids (list of string). Returns: learner_id, answers (int), one row per learner. Read.
// `a.answered_at IS NOT NULL` (every answer has one) lets the seek use answer_learner_time (V0013): the
// learner-only index was dropped (V0015). The hint keeps the planner from scanning that composite index.
UNWIND $learner_ids AS learner_id
RETURN learner_id, COUNT { MATCH (a:Answer {learner_id: learner_id}) USING INDEX SEEK a:Answer(learner_id, answered_at)
                                WHERE a.answered_at IS NOT NULL } AS answers
