// Import benchmark baseline: the same prerequisite rows as the import, plain UNWIND ... CREATE.
// Parameters: $rows (list of {prerequisite, concept, weight}). Returns: created (count). Write. Benchmarks only.
UNWIND $rows AS row
MATCH (a:Concept {id: row.prerequisite})
MATCH (b:Concept {id: row.concept})
CREATE (a)-[r:PREREQUISITE_OF {weight: row.weight, created_at: datetime()}]->(b)
RETURN count(r) AS created
