// Tests only: moves the audit entries stamped at or before $until back by $by, standing in for entries
// written long ago (the real writer stamps them by the clock). Parameters: $until (datetime), $by
// (duration); the entries' AuditLinks move with them (a link carries its entry's time, V0020).
// Returns: aged (count). Write. Not for production.
MATCH (a:AuditEntry)
WHERE a.at <= $until
SET a.at = a.at - $by
WITH a
CALL (a) {
  OPTIONAL MATCH (l:AuditLink)-[:EXPLAINS]->(a)
  SET l.at = a.at
}
RETURN count(a) AS aged
