// When a curriculum last changed: its newest audit entry (every edit, and every import that changes
// something, writes one at its end; a save or an import that changes nothing writes none), else its
// creation. An export's ETag; an import sent with If-Match is refused when this moved since
// (another designer's edit would be overwritten unseen). Read by an import under its locks, before its own
// entries, so its own curriculum update does not count.
// Parameters: $curriculum_id. Returns: changed_at (datetime; no row when the curriculum is unknown). Read.
MATCH (cur:Curriculum {id: $curriculum_id})
CALL (cur) {
  OPTIONAL MATCH (a:AuditEntry {curriculum_id: cur.id})
  WHERE a.at IS NOT NULL
  WITH a ORDER BY a.at DESC LIMIT 1
  RETURN a.at AS audit_at
}
RETURN coalesce(audit_at, cur.created_at) AS changed_at
