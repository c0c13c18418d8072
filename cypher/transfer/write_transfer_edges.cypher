// One batch of predicted transfer edges of one model version (a version still 'writing', invisible to
// readers). CREATE, not MERGE: measured 1.7x faster for 100k edges, and safe here because nothing else
// writes this version and writeback.write_model counts the version's edges before switching to it: a batch
// applied twice by a driver retry makes the count wrong and the switch is refused (the old model stays).
// Parameters: $rows [{source, target, strength}], $model_version, $computed_at (ISO datetime string).
// Returns: written (count). Write.
UNWIND $rows AS row
MATCH (s:Concept {id: row.source})
MATCH (d:Concept {id: row.target})
CREATE (s)-[t:TRANSFERS_TO {model_version: $model_version, strength: row.strength,
                            computed_at: datetime($computed_at)}]->(d)
RETURN count(t) AS written
