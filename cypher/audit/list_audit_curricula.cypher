// The curricula that have audit entries (by the entries' curriculum_id: a deleted curriculum's trail
// counts too), for `audit archive` to walk one at a time by the audit_curriculum_at index.
// Parameters: none. Returns: curriculum_id, one row each, in id order. Read.
MATCH (a:AuditEntry)
WHERE a.curriculum_id IS NOT NULL
RETURN DISTINCT a.curriculum_id AS curriculum_id
ORDER BY curriculum_id
