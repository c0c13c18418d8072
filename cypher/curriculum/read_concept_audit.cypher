// A concept's audit trail, newest first, a page at a time: its own entries, those of prerequisite edges
// touching it, and those that moved its version otherwise (a task's create, edit or delete, an import
// creating a task or an edge: their AuditLink to it, create_audit_entries), so every ETag move of the
// concept has its entry here. Each of the four sources is a range seek of an index in the trail's order
// (V0020: audit_entity_type_at, audit_prerequisite_at, audit_concept_at, audit_link_concept_at, the link
// carrying its entry's `at`), walked backwards from the cursor and stopped after $offset + $limit + 1
// entries that pass the filters; the page is the first $limit + 1 of their merge (an entry found by two
// sources once), after $offset of them: no source can hold an entry of the page deeper than that. Before
// V0020 every page read and sorted the whole filtered trail. Keyset paging: the page starts strictly after
// the entry ($after_s, $after_ns: its `at` as epoch seconds and nanoseconds; $after_id: its id), a bound of
// each seek; without a cursor the position is the calendar's end (kgplatform.audit.cursor.START). The bound
// a nanosecond past the cursor, and the tie at it in a CASE on epoch seconds and nanoseconds, for the
// reasons in auth/read_key_changes, as is the tie among the forms of that instant (`exact`, the cursor
// entry's own stored `at`, in each source). `total` counts the filtered trail: every index entry of the four
// sources in the time range (with a filter, the entries too), an entry found twice counted once.
// Parameters: $id, $offset, $limit, $after_s, $after_ns, $after_id, and the filters ($actor, $action,
// $entity_type: null for any; $since, $before: bounds on `at`, since <= at < before, always given).
// Returns: total (count of the filtered trail, the cursor aside), items (up to $limit + 1 entry maps, the
// one past the page saying that one follows; an edge's with its ends; at_s, at_ns: the cursor's key). Read.
CALL () {
  CALL () {
    MATCH (a:AuditEntry {entity_id: $id, entity_type: 'concept'})
    USING INDEX SEEK a:AuditEntry(entity_id, entity_type, at)
    WHERE a.at >= $since AND a.at < $before
    RETURN a
    UNION
    MATCH (a:AuditEntry {prerequisite: $id}) USING INDEX SEEK a:AuditEntry(prerequisite, at)
    WHERE a.at >= $since AND a.at < $before
    RETURN a
    UNION
    MATCH (a:AuditEntry {concept: $id}) USING INDEX SEEK a:AuditEntry(concept, at)
    WHERE a.at >= $since AND a.at < $before
    RETURN a
    UNION
    MATCH (l:AuditLink {concept: $id}) USING INDEX SEEK l:AuditLink(concept, at)
    WHERE l.at >= $since AND l.at < $before
    MATCH (l)-[:EXPLAINS]->(a:AuditEntry)
    RETURN a
  }
  WITH a
  WHERE ($actor IS NULL OR a.actor = $actor)
    AND ($action IS NULL OR a.action = $action)
    AND ($entity_type IS NULL OR a.entity_type = $entity_type)
  RETURN count(a) AS total
}
CALL () {
  CALL () {
    WITH datetime({epochSeconds: $after_s, nanosecond: $after_ns}) + duration({nanoseconds: 1}) AS bound,
         head(COLLECT { MATCH (x:AuditEntry {id: $after_id})
                       WHERE x.at.epochSeconds = $after_s AND x.at.nanosecond = $after_ns
                       RETURN x.at }) AS exact
    MATCH (a:AuditEntry {entity_id: $id, entity_type: 'concept'})
    USING INDEX SEEK a:AuditEntry(entity_id, entity_type, at)
    WHERE a.at >= $since AND a.at < $before AND a.at < bound
      AND CASE WHEN a.at.epochSeconds = $after_s AND a.at.nanosecond = $after_ns
               THEN CASE WHEN exact IS NULL THEN a.id > $after_id
                         ELSE a.at < exact OR (a.at = exact AND a.id > $after_id) END
               ELSE true END
      AND ($actor IS NULL OR a.actor = $actor)
      AND ($action IS NULL OR a.action = $action)
      AND ($entity_type IS NULL OR a.entity_type = $entity_type)
    WITH a ORDER BY a.entity_id DESC, a.entity_type DESC, a.at DESC, a.id LIMIT $offset + $limit + 1
    RETURN a
    UNION
    WITH datetime({epochSeconds: $after_s, nanosecond: $after_ns}) + duration({nanoseconds: 1}) AS bound,
         head(COLLECT { MATCH (x:AuditEntry {id: $after_id})
                       WHERE x.at.epochSeconds = $after_s AND x.at.nanosecond = $after_ns
                       RETURN x.at }) AS exact
    MATCH (a:AuditEntry {prerequisite: $id}) USING INDEX SEEK a:AuditEntry(prerequisite, at)
    WHERE a.at >= $since AND a.at < $before AND a.at < bound
      AND CASE WHEN a.at.epochSeconds = $after_s AND a.at.nanosecond = $after_ns
               THEN CASE WHEN exact IS NULL THEN a.id > $after_id
                         ELSE a.at < exact OR (a.at = exact AND a.id > $after_id) END
               ELSE true END
      AND ($actor IS NULL OR a.actor = $actor)
      AND ($action IS NULL OR a.action = $action)
      AND ($entity_type IS NULL OR a.entity_type = $entity_type)
    WITH a ORDER BY a.prerequisite DESC, a.at DESC, a.id LIMIT $offset + $limit + 1
    RETURN a
    UNION
    WITH datetime({epochSeconds: $after_s, nanosecond: $after_ns}) + duration({nanoseconds: 1}) AS bound,
         head(COLLECT { MATCH (x:AuditEntry {id: $after_id})
                       WHERE x.at.epochSeconds = $after_s AND x.at.nanosecond = $after_ns
                       RETURN x.at }) AS exact
    MATCH (a:AuditEntry {concept: $id}) USING INDEX SEEK a:AuditEntry(concept, at)
    WHERE a.at >= $since AND a.at < $before AND a.at < bound
      AND CASE WHEN a.at.epochSeconds = $after_s AND a.at.nanosecond = $after_ns
               THEN CASE WHEN exact IS NULL THEN a.id > $after_id
                         ELSE a.at < exact OR (a.at = exact AND a.id > $after_id) END
               ELSE true END
      AND ($actor IS NULL OR a.actor = $actor)
      AND ($action IS NULL OR a.action = $action)
      AND ($entity_type IS NULL OR a.entity_type = $entity_type)
    WITH a ORDER BY a.concept DESC, a.at DESC, a.id LIMIT $offset + $limit + 1
    RETURN a
    UNION
    // The link's `at` is its entry's (V0020), so the link index's order is the entries'.
    WITH datetime({epochSeconds: $after_s, nanosecond: $after_ns}) + duration({nanoseconds: 1}) AS bound,
         head(COLLECT { MATCH (x:AuditEntry {id: $after_id})
                       WHERE x.at.epochSeconds = $after_s AND x.at.nanosecond = $after_ns
                       RETURN x.at }) AS exact
    MATCH (l:AuditLink {concept: $id}) USING INDEX SEEK l:AuditLink(concept, at)
    WHERE l.at >= $since AND l.at < $before AND l.at < bound
    MATCH (l)-[:EXPLAINS]->(a:AuditEntry)
    WHERE CASE WHEN l.at.epochSeconds = $after_s AND l.at.nanosecond = $after_ns
               THEN CASE WHEN exact IS NULL THEN a.id > $after_id
                         ELSE l.at < exact OR (l.at = exact AND a.id > $after_id) END
               ELSE true END
      AND ($actor IS NULL OR a.actor = $actor)
      AND ($action IS NULL OR a.action = $action)
      AND ($entity_type IS NULL OR a.entity_type = $entity_type)
    WITH a ORDER BY l.concept DESC, l.at DESC, a.id LIMIT $offset + $limit + 1
    RETURN a
  }
  WITH a ORDER BY a.at DESC, a.id SKIP $offset LIMIT $limit + 1
  RETURN collect(a {.id, .at, at_s: a.at.epochSeconds, at_ns: a.at.nanosecond, .actor, .action,
                    .entity_type, .entity_id, .curriculum_id, .old, .new, .prerequisite, .concept}) AS items
}
RETURN total, items
