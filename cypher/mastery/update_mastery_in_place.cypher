// Updates MASTERY relationships read earlier in the same transaction (their learners are locked), by
// element id: no index lookups and no MERGE check, the cheapest write of a mastery value. The model
// version is not written: a relationship continued in place belongs to a learner whose mastery already
// has the current version (otherwise the learner is replayed in full, see mastery/write_mastery).
// Parameters, aligned columns of one length: $rels (element ids), $p_mastery (floats), $attempts
// (ints), $correct (floats), $last_s, $last_ns, $as_of_s, $as_of_ns (epoch seconds and nanoseconds,
// null = never), $p_practised (floats: the value after the learner's own last answer, null = never
// answered on), $last_task_ids (strings: the task of the learner's latest answer on the concept,
// by answered_at then event id; null = never answered on); $updated_at (datetime). Returns: written
// (count). Write.
UNWIND range(0, size($rels) - 1) AS i
MATCH ()-[r:MASTERY]->()
WHERE elementId(r) = $rels[i]
SET r.p_mastery = $p_mastery[i], r.attempts = $attempts[i], r.correct = $correct[i],
    r.last_practised = CASE WHEN $last_s[i] IS NULL THEN null
                            ELSE datetime({epochSeconds: $last_s[i], nanosecond: $last_ns[i]}) END,
    r.as_of = CASE WHEN $as_of_s[i] IS NULL THEN null
                   ELSE datetime({epochSeconds: $as_of_s[i], nanosecond: $as_of_ns[i]}) END,
    r.p_practised = $p_practised[i],
    r.last_task_id = $last_task_ids[i],
    r.updated_at = $updated_at
RETURN count(r) AS written
