// Every concept with what the transfer GNN's features need, and its curriculum (the export keeps the
// curricula some answer reaches: `transfer.data.export_from_graph`), in one bulk read.
// Parameters: none. Returns: id, name, difficulty (float or null), curriculum_id. Read.
MATCH (c:Concept)
RETURN c.id AS id, c.name AS name, c.difficulty AS difficulty, c.curriculum_id AS curriculum_id
ORDER BY c.id
