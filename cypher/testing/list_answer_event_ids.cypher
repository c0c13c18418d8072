// Test check: the event id of every stored answer.
// Parameters: none. Returns: event_id. Read.
MATCH (a:Answer)
RETURN a.event_id AS event_id
