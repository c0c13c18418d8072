// Baseline for the write-back benchmark only: the same rows with a plain CREATE, outside the version
// protocol (no registration, count or switch), to measure what the protocol costs.
// Parameters: $rows [{source, target, strength}], $model_version, $computed_at. Returns: written. Write.
UNWIND $rows AS row
MATCH (s:Concept {id: row.source})
MATCH (d:Concept {id: row.target})
CREATE (s)-[t:TRANSFERS_TO {model_version: $model_version, strength: row.strength,
                            computed_at: datetime($computed_at)}]->(d)
RETURN count(t) AS written
