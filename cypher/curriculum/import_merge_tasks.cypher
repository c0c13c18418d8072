// Upserts one batch of imported tasks, keyed on the constrained Task.id, with their EXERCISES links.
// A row equal to the stored task (fields and the set of concepts) is left alone; a changed one is
// overwritten with version + 1 and its links replaced. Write concepts first. An id that belongs to
// another curriculum (taken since validation) is left untouched and counted as 'taken', also when a
// concurrent import into another curriculum created it while this one waited in MERGE (checked again
// after the MERGE, as in import_merge_concepts).
// A field named in the row's `keep` was left out of the file: a stored task keeps its value.
// Parameters: $curriculum_id, $rows (list of maps: id, title, kind, difficulty, estimated_minutes,
// concepts (list of concept ids), keep (list of field names)). Returns: outcome
// ('created'|'updated'|'unchanged'|'taken'), n, relinked (how many of those rows change which concepts
// stored answers reach: an updated row whose set of concepts differs, or a created row whose id was
// deleted before, since answers keep their task id; the caller then bumps the structure revision, as
// store.create_task and store.update_task do, and only then), updated (for 'updated' rows: id, before
// (the stored fields, concepts and version the import replaced) and after (the fields written)), recreated
// (for 'created' rows whose id a deleted task had: id, version and the fields written, so the import's
// audit entry says who brought it back), created (for 'created' rows: id, concepts; the caller moves the
// versions of the concepts that existed before, as for any link change: curriculum/bump_concept_links).
// Write.
UNWIND $rows AS row
OPTIONAL MATCH (old:Task {id: row.id})
WITH old,
     CASE WHEN old IS NULL OR old.curriculum_id <> $curriculum_id OR row.keep = [] THEN row
          ELSE row {.*,
                    difficulty: CASE WHEN 'difficulty' IN row.keep THEN old.difficulty ELSE row.difficulty END,
                    estimated_minutes: CASE WHEN 'estimated_minutes' IN row.keep THEN old.estimated_minutes
                                            ELSE row.estimated_minutes END}
     END AS row
WITH row, old,
     CASE WHEN old IS NULL THEN [] ELSE COLLECT { MATCH (old)-[:EXERCISES]->(c:Concept) RETURN c.id } END
       AS old_concepts
WITH row, old, old_concepts,
     all(x IN row.concepts WHERE x IN old_concepts) AND all(x IN old_concepts WHERE x IN row.concepts)
       AS same_concepts
WITH row, same_concepts, CASE WHEN old IS NULL THEN null
               ELSE old {.title, .kind, .difficulty, .estimated_minutes, .version, concepts: old_concepts} END
       AS before,
     CASE
       WHEN old IS NULL THEN 'created'
       WHEN old.curriculum_id <> $curriculum_id THEN 'taken'
       WHEN old.title = row.title AND old.kind = row.kind
            AND coalesce(old.difficulty, -1.0) = coalesce(row.difficulty, -1.0)
            AND coalesce(old.estimated_minutes, -1) = coalesce(row.estimated_minutes, -1)
            AND size(old_concepts) = size(row.concepts) AND same_concepts THEN 'unchanged'
       ELSE 'updated'
     END AS outcome
// An id deleted before continues from its last version (curriculum/create_concept says why).
OPTIONAL MATCH (gone:RetiredId {key: CASE WHEN outcome = 'created' THEN 'task:' + row.id END})
// A deleted id's answers reach concepts again. Deletes from before RetiredId existed left none, so the
// audit trail is asked too (as curriculum/count_task_deletions does for the API's create).
WITH row, before, outcome, gone,
     CASE outcome
       WHEN 'updated' THEN NOT same_concepts
       WHEN 'created' THEN gone IS NOT NULL
                           OR EXISTS { MATCH (a:AuditEntry {entity_id: row.id})
                                       WHERE a.entity_type = 'task' AND a.action = 'delete' }
       ELSE false
     END AS relinks
MERGE (t:Task {id: row.id})
  ON CREATE SET t.title = row.title, t.kind = row.kind, t.difficulty = row.difficulty,
                t.estimated_minutes = row.estimated_minutes, t.curriculum_id = $curriculum_id,
                t.version = coalesce(gone.version, 0) + 1, t.created_at = datetime(), t.updated_at = t.created_at
WITH row, t, before, gone, relinks,
     CASE WHEN outcome = 'created' AND t.curriculum_id <> $curriculum_id THEN 'taken' ELSE outcome END AS outcome
FOREACH (r IN CASE WHEN outcome = 'created' AND gone IS NOT NULL THEN [gone] ELSE [] END | DELETE r)
FOREACH (_ IN CASE WHEN outcome = 'updated' THEN [1] ELSE [] END |
  SET t.title = row.title, t.kind = row.kind, t.difficulty = row.difficulty,
      t.estimated_minutes = row.estimated_minutes, t.version = t.version + 1, t.updated_at = datetime())
WITH t, row, outcome, before, relinks
// A new task has no links yet: CREATE them without MERGE's existence check.
CALL (t, row, outcome) {
  WITH * WHERE outcome = 'created'
  UNWIND row.concepts AS concept_id
  MATCH (c:Concept {id: concept_id})
  CREATE (t)-[:EXERCISES {weight: 1.0}]->(c)
}
// A changed task: drop the links it no longer has, keep (MERGE) the rest.
CALL (t, row, outcome) {
  WITH * WHERE outcome = 'updated'
  OPTIONAL MATCH (t)-[stale:EXERCISES]->(gone:Concept) WHERE NOT gone.id IN row.concepts
  DELETE stale
  WITH DISTINCT t, row
  UNWIND row.concepts AS concept_id
  MATCH (c:Concept {id: concept_id})
  MERGE (t)-[e:EXERCISES]->(c)
    ON CREATE SET e.weight = 1.0
}
RETURN outcome, count(*) AS n, count(CASE WHEN relinks THEN 1 END) AS relinked,
       collect(CASE WHEN outcome = 'updated'
                    THEN {id: row.id, before: before,
                          after: row {.title, .kind, .difficulty, .estimated_minutes, .concepts}}
               END) AS updated,
       collect(CASE WHEN outcome = 'created' AND relinks
                    THEN {id: row.id, version: t.version,
                          after: row {.title, .kind, .difficulty, .estimated_minutes, .concepts}}
               END) AS recreated,
       collect(CASE WHEN outcome = 'created' THEN {id: row.id, concepts: row.concepts} END) AS created
