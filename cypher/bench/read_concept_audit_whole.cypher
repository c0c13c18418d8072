// Bench baseline and tests' reference (bench/bench_trail_pages.py, tests/integration/api/test_trail_index.py):
// curriculum/read_concept_audit as it was before V0020 (4 December 2026), reading and sorting the whole
// filtered trail on every page. Same parameters and columns as curriculum/read_concept_audit. Read.
// A concept's audit trail, newest first: its own entries, those of prerequisite edges touching it, and
// those that moved its version otherwise (a task's create, edit or delete, an import creating a task or an
// edge: their AuditLink to it, create_audit_entries), so every ETag move of the concept has its entry here.
// The entries come from four indexes, none in the trail's order, so the filtered trail is read and sorted
// whole, as before; the cursor ($after_s, $after_ns: the `at` of the entry the page follows, as epoch
// seconds and nanoseconds; $after_id: its id; since 4 December 2026) keeps the page where the last one
// ended whatever was written since, and $offset (0 with a cursor) skips entries after it. Without a cursor
// the position is the calendar's end (kgplatform.audit.cursor.START).
// Parameters: $id, $offset, $limit, $after_s, $after_ns, $after_id, and the filters ($actor, $action,
// $entity_type: null for any; $since, $before: bounds on `at`, since <= at < before, always given).
// Returns: total (count of the filtered trail, the cursor aside), items (up to $limit + 1 entry maps, the
// one past the page saying that one follows; an edge's with its ends; at_s, at_ns: the cursor's key). Read.
CALL () {
  MATCH (a:AuditEntry {entity_id: $id}) WHERE a.entity_type = 'concept' RETURN a
  UNION
  MATCH (a:AuditEntry {prerequisite: $id}) RETURN a
  UNION
  MATCH (a:AuditEntry {concept: $id}) RETURN a
  UNION
  MATCH (:AuditLink {concept: $id})-[:EXPLAINS]->(a:AuditEntry) RETURN a
}
WITH a, datetime({epochSeconds: $after_s, nanosecond: $after_ns}) AS after
WHERE a.at >= $since AND a.at < $before
  AND ($actor IS NULL OR a.actor = $actor)
  AND ($action IS NULL OR a.action = $action)
  AND ($entity_type IS NULL OR a.entity_type = $entity_type)
WITH a, CASE WHEN a.at.epochSeconds = $after_s AND a.at.nanosecond = $after_ns THEN a.id > $after_id
            ELSE a.at < after END AS past
ORDER BY a.at DESC, a.id
// collect() leaves out the nulls: the entries up to the cursor are counted, not listed.
WITH count(a) AS total, collect(CASE WHEN past THEN a END) AS entries
RETURN total,
       [a IN entries[$offset..($offset + $limit + 1)] |
        a {.id, .at, at_s: a.at.epochSeconds, at_ns: a.at.nanosecond, .actor, .action, .entity_type,
           .entity_id, .curriculum_id, .old, .new, .prerequisite, .concept}] AS items
