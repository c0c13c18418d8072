// Import benchmark baseline (bench/bench_curriculum_import.py): the curriculum node, plain CREATE.
// Parameters: $id, $name, $description. Returns: created (count). Write. Benchmarks only.
CREATE (cur:Curriculum {id: $id, name: $name, description: $description, created_at: datetime(),
                        updated_at: datetime()})
RETURN count(cur) AS created
