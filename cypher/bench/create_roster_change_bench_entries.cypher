// Benchmark set-up (bench/bench_trail_pages.py): entries of one class's roster audit trail, with the times
// given (classes/create_roster_change stamps them by the clock), one UNWIND per batch; no learners linked
// (a page reads those of its own entries only, the same for a short trail and a long one).
// Parameters: $class_id, $rows (list of {id, at (datetime)}). Returns: created (count). Write. Benchmarks
// only.
UNWIND $rows AS row
CREATE (r:RosterChange {id: row.id, class_id: $class_id, action: 'replace', actor: 'bench', at: row.at,
                        members: 30, added: 1, removed: 1, created: 0, class_created: false})
RETURN count(r) AS created
