// Remembers the answers of a learner being erased, by a digest of each event id (store.erased_answer_key)
// and nothing else (no learner id, content or time): POST /answers then rejects a replay of one of them as
// `erased` instead of storing it and re-creating the learner (mastery/get_ingest_context reads them).
// MERGE, not CREATE: a digest already kept never fails the erase on the unique constraint.
// Parameters: $digests (list of string). Returns: kept (how many digests were given). Write.
UNWIND $digests AS digest
MERGE (:ErasedAnswer {digest: digest})
RETURN count(*) AS kept
