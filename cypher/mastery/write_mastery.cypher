// Writes recomputed mastery (a learner's full replay), one MASTERY relationship per learner and concept.
// Parameters, aligned columns of one length, sorted by concept so concurrent writers lock concepts in
// one order: $learner_ids, $concept_ids (strings), $p_mastery (floats), $attempts (ints), $correct
// (floats), $last_s, $last_ns, $as_of_s, $as_of_ns (epoch seconds and nanoseconds, null = never: the
// driver encodes these far faster than datetimes), $p_practised (floats: the value after the learner's
// own last answer, null = never answered on; transfer leaves it), $last_task_ids (strings: the task of
// the learner's latest answer on the concept, by answered_at then event id; null = never answered on;
// transfer leaves it too); $updated_at (datetime), $model_version (string).
// Returns: written (count of relationships set). Write.
UNWIND range(0, size($learner_ids) - 1) AS i
MATCH (l:Learner {id: $learner_ids[i]})
MATCH (c:Concept {id: $concept_ids[i]})
MERGE (l)-[r:MASTERY]->(c)
SET r.p_mastery = $p_mastery[i], r.attempts = $attempts[i], r.correct = $correct[i],
    r.last_practised = CASE WHEN $last_s[i] IS NULL THEN null
                            ELSE datetime({epochSeconds: $last_s[i], nanosecond: $last_ns[i]}) END,
    r.as_of = CASE WHEN $as_of_s[i] IS NULL THEN null
                   ELSE datetime({epochSeconds: $as_of_s[i], nanosecond: $as_of_ns[i]}) END,
    r.p_practised = $p_practised[i],
    r.last_task_id = $last_task_ids[i],
    r.updated_at = $updated_at, r.model_version = $model_version
RETURN count(r) AS written
