// Test only: the audit entries of operators' transfer model switches, oldest first.
// Parameters: none. Returns: actor, action, entity_id, old, new, reason. Read.
MATCH (a:AuditEntry {entity_type: 'transfer_model'})
RETURN a.actor AS actor, a.action AS action, a.entity_id AS entity_id, a.old AS old, a.new AS new,
       a.reason AS reason
ORDER BY a.at
