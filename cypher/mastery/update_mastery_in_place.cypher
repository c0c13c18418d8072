// Updates MASTERY relationships read earlier in the same transaction (their learners are locked), by
// element id: no index lookups and no MERGE check, the cheapest write of a mastery value.
// Parameters: $rows (list of {rel (element id), p_mastery, attempts, correct, last_s, last_ns,
// as_of_s, as_of_ns}), $updated_at (datetime), $model_version (string).
// Returns: written (count). Write.
UNWIND $rows AS m
MATCH ()-[r:MASTERY]->()
WHERE elementId(r) = m.rel
SET r.p_mastery = m.p_mastery, r.attempts = m.attempts, r.correct = m.correct,
    r.last_practised = CASE WHEN m.last_s IS NULL THEN null
                            ELSE datetime({epochSeconds: m.last_s, nanosecond: m.last_ns}) END,
    r.as_of = CASE WHEN m.as_of_s IS NULL THEN null
                   ELSE datetime({epochSeconds: m.as_of_s, nanosecond: m.as_of_ns}) END,
    r.updated_at = $updated_at, r.model_version = $model_version
RETURN count(r) AS written
