// The curriculum's audit entries newer than $since (the time an exported file's `based_on` ETag names):
// what importing that file would overwrite unseen. Read by an import under its locks, before its own entries.
// Parameters: $curriculum_id, $since (datetime). Returns: entries (count), actors (distinct), actor and at
// (the newest entry's; null when there is none). Read.
OPTIONAL MATCH (a:AuditEntry {curriculum_id: $curriculum_id})
WHERE a.at > $since
WITH count(a) AS entries, collect(DISTINCT a.actor) AS actors, max(a.at) AS newest
CALL (newest) {
  OPTIONAL MATCH (n:AuditEntry {curriculum_id: $curriculum_id})
  WHERE n.at = newest
  RETURN n.actor AS actor
  ORDER BY n.id
  LIMIT 1
}
RETURN entries, actors, actor, newest AS at
