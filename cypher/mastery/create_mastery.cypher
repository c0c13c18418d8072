// Creates MASTERY relationships for (learner, concept) pairs known to have none: they were looked up
// earlier in the same transaction, after their learners were write-locked, so nobody else can have
// created them since. Cheaper than MERGE, which would scan the learner's relationships again. Learners
// are found by the element ids mastery/lock_learners returned (this transaction holds their locks, so
// they cannot have gone): measured, that halves the statement's time against a unique-index seek.
// Parameters, aligned columns of one length, sorted by concept so concurrent writers lock in one
// order: $learner_refs (the learners' element ids), $concept_ids (strings), $p_mastery (floats),
// $attempts (ints), $correct (floats), $last_s, $last_ns, $as_of_s, $as_of_ns (epoch seconds and nanoseconds, null = never),
// $p_practised (floats: the value after the learner's own last answer, null = never answered on),
// $last_task_ids (strings: the task of the learner's latest answer on the concept, by answered_at then
// event id; null = never answered on); $updated_at (datetime), $model_version (string). Returns: written (count). Write.
UNWIND range(0, size($learner_refs) - 1) AS i
MATCH (l:Learner) WHERE elementId(l) = $learner_refs[i]
MATCH (c:Concept {id: $concept_ids[i]})
CREATE (l)-[r:MASTERY {p_mastery: $p_mastery[i], attempts: $attempts[i], correct: $correct[i],
  last_practised: CASE WHEN $last_s[i] IS NULL THEN null
                       ELSE datetime({epochSeconds: $last_s[i], nanosecond: $last_ns[i]}) END,
  as_of: CASE WHEN $as_of_s[i] IS NULL THEN null
              ELSE datetime({epochSeconds: $as_of_s[i], nanosecond: $as_of_ns[i]}) END,
  p_practised: $p_practised[i],
  last_task_id: $last_task_ids[i],
  updated_at: $updated_at, model_version: $model_version}]->(c)
RETURN count(r) AS written
