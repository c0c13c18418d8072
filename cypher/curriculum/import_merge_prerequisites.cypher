// Upserts one batch of imported prerequisite edges (prerequisite)-[:PREREQUISITE_OF]->(concept) between
// concepts that already exist (write concepts first). Only a different weight counts as an update.
// Parameters: $rows (list of maps: prerequisite, concept, weight).
// Returns: outcome ('created'|'updated'|'unchanged'), n (rows with that outcome), updated (for 'updated'
// rows: prerequisite, concept and before, the weight the import replaced). Write.
UNWIND $rows AS row
MATCH (a:Concept {id: row.prerequisite})
MATCH (b:Concept {id: row.concept})
OPTIONAL MATCH (a)-[old:PREREQUISITE_OF]->(b)
WITH a, b, row, old.weight AS before,
     CASE
       WHEN old IS NULL THEN 'created'
       WHEN old.weight = row.weight THEN 'unchanged'
       ELSE 'updated'
     END AS outcome
MERGE (a)-[r:PREREQUISITE_OF]->(b)
  ON CREATE SET r.weight = row.weight, r.created_at = datetime()
FOREACH (_ IN CASE WHEN outcome = 'updated' THEN [1] ELSE [] END | SET r.weight = row.weight)
RETURN outcome, count(*) AS n,
       collect(CASE WHEN outcome = 'updated'
                    THEN {prerequisite: row.prerequisite, concept: row.concept, before: before} END) AS updated
