// The curriculum a learner is planned in by default: with goals, the one holding most of their goals (ties:
// the one of those holding more of their mastered concepts, then the smallest id); without goals, the one
// holding most of their mastered concepts (ties: the smallest id). Goals and mastery used to be counted
// together, so a learner who had practised more in one curriculum than they had goals in another was
// planned in the first whatever goals a service set. planning/jobs.py's `learner_curriculum` is the same
// rule over jobs/read_mastery_of_learners' rows (the drain and the nightly chunks).
// Parameters: $learner_id (string). Returns: curriculum_id (string); no row when the learner is unknown,
// a null curriculum_id when they have neither goals nor mastery yet. Read.
MATCH (l:Learner {id: $learner_id})
OPTIONAL MATCH (l)-[r:HAS_GOAL|MASTERY]->(c:Concept)
WHERE c.curriculum_id IS NOT NULL
WITH c.curriculum_id AS curriculum_id,
     count(CASE WHEN type(r) = 'HAS_GOAL' THEN 1 END) AS goals,
     count(CASE WHEN type(r) = 'MASTERY' THEN 1 END) AS practised
// A learner with goals has some curriculum with goals > 0, which sorts first: practice elsewhere is then
// only ever a tie-break among the curricula of their goals.
ORDER BY goals DESC, practised DESC, curriculum_id
LIMIT 1
RETURN curriculum_id
