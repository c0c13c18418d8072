// What an erased learner leaves behind (mastery/create_erased_answers): one node per erased answer,
// holding only a digest of its event id (store.erased_answer_key), no learner id, content or time. The
// ingest looks the batch's digests up (mastery/get_ingest_context), so a service replaying an erased
// learner's answers (a retry queue, an LMS re-sync) gets them rejected as `erased` instead of re-creating
// the learner. The constraint is the index of that lookup, and keeps one node per digest.
CREATE CONSTRAINT erased_answer_digest IF NOT EXISTS FOR (e:ErasedAnswer) REQUIRE e.digest IS UNIQUE;
