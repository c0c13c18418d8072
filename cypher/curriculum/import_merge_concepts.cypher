// Upserts one batch of imported concepts into a curriculum, keyed on the constrained Concept.id.
// A row equal to the stored concept is left alone (no version bump, same updated_at); a changed one
// is overwritten with version + 1. New concepts start at version 1. Run after import_merge_curriculum.
// An id that belongs to another curriculum (taken since validation) is left untouched and counted as
// 'taken', so the caller can roll the whole import back. An import into another curriculum may be
// creating the same id right then; the first reading waits for it today (the planner makes it a locking
// unique-index seek, as the test of two such imports shows), but the statement does not rely on that plan:
// the owner is checked again after the MERGE, and a 'created' row whose node is not ours is 'taken'.
// A field named in the row's `keep` was left out of the file: a stored concept keeps its value (a new
// one gets the row's, the default).
// Parameters: $curriculum_id, $rows (list of maps: id, name, description, tags, difficulty or null, keep
// (list of field names)). Returns: outcome ('created'|'updated'|'unchanged'|'taken'), n (rows with that
// outcome), updated (for 'updated' rows: id, before (the stored fields and version the import replaced)
// and after (the fields written); for the audit), recreated (for 'created' rows whose id a deleted concept
// had: id, version and the fields written, so the import's audit entry says who brought it back). Write.
MATCH (cur:Curriculum {id: $curriculum_id})
UNWIND $rows AS row
OPTIONAL MATCH (old:Concept {id: row.id})
WITH cur, old, old {.name, .description, .tags, .difficulty, .version} AS before,
     CASE WHEN old IS NULL OR old.curriculum_id <> $curriculum_id OR row.keep = [] THEN row
          ELSE row {.id, .name,
                    description: CASE WHEN 'description' IN row.keep THEN coalesce(old.description, '')
                                      ELSE row.description END,
                    tags: CASE WHEN 'tags' IN row.keep THEN coalesce(old.tags, []) ELSE row.tags END,
                    difficulty: CASE WHEN 'difficulty' IN row.keep THEN old.difficulty ELSE row.difficulty END}
     END AS row
WITH cur, row, before,
     CASE
       WHEN old IS NULL THEN 'created'
       WHEN old.curriculum_id <> $curriculum_id THEN 'taken'
       WHEN old.name = row.name AND coalesce(old.description, '') = row.description
            AND coalesce(old.tags, []) = row.tags
            AND coalesce(old.difficulty, -1.0) = coalesce(row.difficulty, -1.0) THEN 'unchanged'
       ELSE 'updated'
     END AS outcome
// An id deleted before continues from its last version (curriculum/create_concept says why).
OPTIONAL MATCH (gone:RetiredId {key: CASE WHEN outcome = 'created' THEN 'concept:' + row.id END})
MERGE (c:Concept {id: row.id})
  ON CREATE SET c.name = row.name, c.description = row.description, c.tags = row.tags,
                c.difficulty = row.difficulty, c.curriculum_id = $curriculum_id,
                c.version = coalesce(gone.version, 0) + 1, c.created_at = datetime(), c.updated_at = c.created_at
WITH cur, row, c, before, gone,
     CASE WHEN outcome = 'created' AND c.curriculum_id <> $curriculum_id THEN 'taken' ELSE outcome END AS outcome
FOREACH (r IN CASE WHEN outcome = 'created' AND gone IS NOT NULL THEN [gone] ELSE [] END | DELETE r)
FOREACH (_ IN CASE WHEN outcome = 'updated' THEN [1] ELSE [] END |
  SET c.name = row.name, c.description = row.description, c.tags = row.tags, c.difficulty = row.difficulty,
      c.version = c.version + 1, c.updated_at = datetime())
// A new concept cannot have its CONTAINS edge yet: CREATE it without MERGE's existence check.
FOREACH (_ IN CASE WHEN outcome = 'created' THEN [1] ELSE [] END | CREATE (cur)-[:CONTAINS]->(c))
FOREACH (_ IN CASE WHEN outcome IN ['updated', 'unchanged'] THEN [1] ELSE [] END | MERGE (cur)-[:CONTAINS]->(c))
RETURN outcome, count(*) AS n,
       collect(CASE WHEN outcome = 'updated'
                    THEN {id: row.id, before: before, after: row {.name, .description, .tags, .difficulty}}
               END) AS updated,
       collect(CASE WHEN outcome = 'created' AND gone IS NOT NULL
                    THEN {id: row.id, version: c.version, after: row {.name, .description, .tags, .difficulty}}
               END) AS recreated
