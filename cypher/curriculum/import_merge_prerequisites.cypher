// Upserts one batch of imported prerequisite edges (prerequisite)-[:PREREQUISITE_OF]->(concept) between
// concepts that already exist (write concepts first). Only a different weight counts as an update.
// A row whose `keep` names the weight (the file has no weight column) leaves a stored edge's weight.
// Parameters: $rows (list of maps: prerequisite, concept, weight, keep (list of field names)).
// Returns: outcome ('created'|'updated'|'unchanged'), n (rows with that outcome), updated (for 'updated'
// rows: prerequisite, concept and before, the weight the import replaced), recreated (for 'created' rows
// of an edge that has an audit trail already, i.e. one removed earlier: prerequisite, concept, weight),
// created (for 'created' rows: prerequisite, concept; the caller moves the versions of the concepts that
// existed before, as for any link change: curriculum/bump_concept_links). Write.
UNWIND $rows AS row
MATCH (a:Concept {id: row.prerequisite})
MATCH (b:Concept {id: row.concept})
OPTIONAL MATCH (a)-[old:PREREQUISITE_OF]->(b)
WITH a, b, old, old.weight AS before,
     CASE WHEN old IS NOT NULL AND 'weight' IN row.keep THEN row {.*, weight: old.weight} ELSE row END AS row
WITH a, b, row, before,
     CASE
       WHEN old IS NULL THEN 'created'
       WHEN coalesce(old.weight, -1.0) = coalesce(row.weight, -1.0) THEN 'unchanged'
       ELSE 'updated'
     END AS outcome
MERGE (a)-[r:PREREQUISITE_OF]->(b)
  ON CREATE SET r.weight = row.weight, r.created_at = datetime()
FOREACH (_ IN CASE WHEN outcome = 'updated' THEN [1] ELSE [] END | SET r.weight = row.weight)
WITH row, outcome, before,
     outcome = 'created' AND EXISTS {
       MATCH (e:AuditEntry {prerequisite: row.prerequisite}) WHERE e.concept = row.concept
     } AS has_trail
RETURN outcome, count(*) AS n,
       collect(CASE WHEN outcome = 'updated'
                    THEN {prerequisite: row.prerequisite, concept: row.concept, before: before} END) AS updated,
       collect(CASE WHEN has_trail
                    THEN {prerequisite: row.prerequisite, concept: row.concept, weight: row.weight} END)
         AS recreated,
       collect(CASE WHEN outcome = 'created' THEN {prerequisite: row.prerequisite, concept: row.concept} END)
         AS created
