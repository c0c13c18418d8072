// One batch of predicted transfer edges of one model version (a version still 'writing', invisible to
// readers). CREATE, not MERGE: measured 1.7x faster for 100k edges, and safe here because nothing else
// writes this version and writeback.write_model counts the version's edges before switching to it: a batch
// applied twice by a driver retry makes the count wrong and the switch is refused (the old model stays).
// A concept created after the model's data were read ($data_at) is another concept under a reused id (the
// one the model learnt from was deleted and the id taken again): its rows write nothing, as a deleted
// concept's do, and it waits for the next retrain. A concept without created_at is taken as older.
// Parameters: $rows [{source, target, strength}], $model_version, $computed_at, $data_at (ISO datetime
// strings). Returns: written (count). Write.
UNWIND $rows AS row
MATCH (s:Concept {id: row.source})
WHERE coalesce(s.created_at <= datetime($data_at), true)
MATCH (d:Concept {id: row.target})
WHERE coalesce(d.created_at <= datetime($data_at), true)
CREATE (s)-[t:TRANSFERS_TO {model_version: $model_version, strength: row.strength,
                            computed_at: datetime($computed_at)}]->(d)
RETURN count(t) AS written
