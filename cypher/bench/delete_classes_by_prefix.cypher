// Benchmark clean-up: deletes the classes whose id starts with $prefix, their rosters (not their learners)
// and their roster audit entries (classes/create_roster_change), which outlive a class deleted otherwise.
// Parameters: $prefix (string). Returns: deleted (count of classes). Write. Benchmarks only.
CALL () {
  MATCH (r:RosterChange)
  WHERE r.class_id STARTS WITH $prefix
  DETACH DELETE r
}
MATCH (c:Class)
WHERE c.id STARTS WITH $prefix
DETACH DELETE c
RETURN count(*) AS deleted
