// Benchmark set-up (bench/bench_trail_pages.py): entries of the keys' audit trail for one key, with the
// times given (auth/create_key_change stamps them by the clock), one UNWIND per batch.
// Parameters: $key_id, $rows (list of {id, at (datetime)}). Returns: created (count). Write. Benchmarks only.
UNWIND $rows AS row
CREATE (c:KeyChange {id: row.id, key_id: $key_id, key_name: $key_id, role: 'teacher', action: 'update',
                     actor: 'bench', at: row.at, classes: ['8B'], classes_before: ['7B']})
RETURN count(c) AS created
