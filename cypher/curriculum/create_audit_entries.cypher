// Appends audit entries; always run in the same transaction as the change it records.
// The entries' curricula are write-locked first (in id order; SET of an unchanged property takes the
// lock and writes nothing) and each entry is stamped after that, by the clock (datetime.realtime(), not
// the statement's start): so a curriculum's audit times follow its commits. Without the lock, two edits
// of different concepts of one curriculum could commit in the other order than they were stamped, and a
// plan made between the two commits (planning stamps the curriculum by its newest entry) would look newer
// than the edit that committed second.
// An entry's `links` name the concepts whose version (ETag) the change moved and whose trail would not
// show it otherwise (audit.explain): each gets an AuditLink to the entry, which read_concept_audit follows,
// with the entry's `at` (since 4 December 2026: the audit_link_concept_at index walks a concept's links in
// its trail's order, V0020).
// Parameters: $entries (list of maps: id, actor, action, entity_type, entity_id, curriculum_id, old, new,
// for prerequisite edges prerequisite and concept, and optionally links (list of concept ids); old/new are
// JSON text or null).
// Returns: written (count). Write.
CALL () {
  UNWIND $entries AS entry
  WITH DISTINCT entry.curriculum_id AS curriculum_id ORDER BY curriculum_id
  MATCH (cur:Curriculum {id: curriculum_id})
  SET cur.id = cur.id
  RETURN count(cur) AS locked
}
UNWIND $entries AS entry
CREATE (a:AuditEntry)
SET a = entry {.id, .actor, .action, .entity_type, .entity_id, .curriculum_id, .old, .new, .prerequisite, .concept},
    a.at = datetime.realtime()
FOREACH (concept_id IN coalesce(entry.links, []) |
  CREATE (:AuditLink {concept: concept_id, curriculum_id: entry.curriculum_id, at: a.at})-[:EXPLAINS]->(a))
RETURN count(a) AS written
