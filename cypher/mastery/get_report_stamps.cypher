// When what a learner's report shows last changed, read before the report itself so that a report.png
// request naming a current picture's ETag is a 304 without reading the report (whole curricula, about
// 150-250 ms at 1,500 concepts): the learner (goals and interests move its updated_at), their mastery
// (every write of a MASTERY relationship stamps updated_at; the count and the sum of the stamps move also
// when an edge is deleted, or rewritten with a stamp no newer than the newest), every curriculum (its
// newest audit entry, which every edit and every import that changed something writes, and its
// updated_at: all of them, not only the learner's, since a report lists prerequisites and, for a learner
// with interests only, concepts of any curriculum; a few index seeks per curriculum), the structure's
// revision (curriculum/bump_curriculum_revision), the current transfer model, and, only when none of the
// learner's concepts records an attempt, their stored answers (from the index alone): the picture's title
// then gives that count (answers whose tasks or concepts were deleted since), which an answer stored without
// a mastery write would move, stamps otherwise unchanged.
// Parameters: $learner_id (string). Returns one row, no row when the learner is unknown: learner_at_s/_us,
// mastery_at_s/_us (epoch seconds and the microsecond, null when never), mastery_count (int),
// mastery_sum_ms (int, the sum of the stamps in epoch milliseconds), curricula (a list, in id order, of
// [id, audit_at_s, audit_at_us, updated_at_s, updated_at_us]), revision (int or null), transfer_version
// (string or null), answers (int; 0 when some concept of the learner records an attempt). Read.
MATCH (l:Learner {id: $learner_id})
CALL (l) {
  OPTIONAL MATCH (l)-[m:MASTERY]->(:Concept)
  RETURN count(m) AS mastery_count, max(m.updated_at) AS mastery_at,
         sum(m.updated_at.epochMillis) AS mastery_sum_ms, max(m.attempts) AS most_attempts
}
// As MasteryService.report decides whether to count them (no concept's attempts above 0).
CALL (l, most_attempts) {
  WITH l WHERE coalesce(most_attempts, 0) = 0
  MATCH (a:Answer) USING INDEX SEEK a:Answer(learner_id, answered_at)
  WHERE a.learner_id = l.id AND a.answered_at IS NOT NULL
  RETURN count(a) AS answers
}
CALL () {
  OPTIONAL MATCH (cur:Curriculum)
  CALL (cur) {
    // The newest entry by the (curriculum_id, at) index's order (V0009), not a max over the whole trail.
    OPTIONAL MATCH (a:AuditEntry {curriculum_id: cur.id})
    WHERE a.at IS NOT NULL
    WITH a ORDER BY a.at DESC LIMIT 1
    RETURN a.at AS audit_at
  }
  WITH cur, audit_at ORDER BY cur.id
  RETURN collect([cur.id, audit_at.epochSeconds, audit_at.microsecond, cur.updated_at.epochSeconds,
                  cur.updated_at.microsecond]) AS curricula
}
CALL () {
  OPTIONAL MATCH (r:CurriculumRevision {id: 'structure'})
  RETURN max(r.version) AS revision
}
CALL () {
  OPTIONAL MATCH (t:TransferModel {status: 'current'})
  WITH t ORDER BY t.activated_at DESC LIMIT 1
  RETURN t.version AS transfer_version
}
RETURN l.updated_at.epochSeconds AS learner_at_s, l.updated_at.microsecond AS learner_at_us,
       mastery_at.epochSeconds AS mastery_at_s, mastery_at.microsecond AS mastery_at_us, mastery_count,
       mastery_sum_ms, curricula, revision, transfer_version, answers
