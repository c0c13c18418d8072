// Every concept with what the transfer GNN's features need, in one bulk read.
// Parameters: none. Returns: id, name, difficulty (float or null). Read.
MATCH (c:Concept)
RETURN c.id AS id, c.name AS name, c.difficulty AS difficulty
ORDER BY c.id
