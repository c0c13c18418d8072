// Tests only: moves the audit entries stamped at or before $until back by $by, standing in for entries
// written long ago (the real writer stamps them by the clock). Parameters: $until (datetime), $by
// (duration). Returns: aged (count). Write. Not for production.
MATCH (a:AuditEntry)
WHERE a.at <= $until
SET a.at = a.at - $by
RETURN count(a) AS aged
