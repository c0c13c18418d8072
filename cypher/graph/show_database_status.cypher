// The state of one database as the DBMS sees it, for `services status` when the database does not answer
// (run on the system database). Parameters: $name (the database). Returns: current_status ('online',
// 'offline', 'starting', ...), status_message (Neo4j's reason when not online; often empty). Read.
SHOW DATABASE $name YIELD currentStatus, statusMessage
RETURN currentStatus AS current_status, statusMessage AS status_message
