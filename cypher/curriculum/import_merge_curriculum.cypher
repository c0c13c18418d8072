// Creates the curriculum an import writes into, or updates its name and description when they differ
// (an identical re-import leaves updated_at alone).
// Parameters: $id, $name, $description. Returns: outcome ('created'|'updated'|'unchanged'), before (the
// stored name and description, for the audit; null when created). Write.
OPTIONAL MATCH (old:Curriculum {id: $id})
WITH old {.name, description: coalesce(old.description, '')} AS before,
     CASE
       WHEN old IS NULL THEN 'created'
       WHEN old.name = $name AND coalesce(old.description, '') = $description THEN 'unchanged'
       ELSE 'updated'
     END AS outcome
MERGE (cur:Curriculum {id: $id})
  ON CREATE SET cur.name = $name, cur.description = $description, cur.created_at = datetime(),
                cur.updated_at = cur.created_at
FOREACH (_ IN CASE WHEN outcome = 'updated' THEN [1] ELSE [] END |
  SET cur.name = $name, cur.description = $description, cur.updated_at = datetime())
RETURN outcome, before
