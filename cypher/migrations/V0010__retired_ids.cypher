// The last version of a deleted concept or task, under `key` ('concept:<id>' or 'task:<id>'): an entity
// created again with that id continues from it, so an ETag read before the delete can never match the new
// entity (with versions restarting at 1, a designer's stale "1" overwrote a re-created entity unseen).
CREATE CONSTRAINT retired_id_key IF NOT EXISTS FOR (r:RetiredId) REQUIRE r.key IS UNIQUE;
