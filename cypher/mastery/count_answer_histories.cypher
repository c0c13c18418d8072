// How many answers each learner has stored: the size of their full replay, so that one ingest transaction
// replays a bounded number of answers (the rest of the batch goes to the next transaction).
// Parameters: $learner_ids (list of string). Returns: learner_id, answers (int), one row per learner. Read.
UNWIND $learner_ids AS learner_id
RETURN learner_id, COUNT { MATCH (a:Answer {learner_id: learner_id}) } AS answers
