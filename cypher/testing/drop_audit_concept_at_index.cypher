// Drops one of V0020's indexes, as an operator's hand might: the schema check must name it as lost and
// `kgplatform migrate` create it again (tests/integration/graph/test_schema_check.py). Parameters: none.
// Schema write.
DROP INDEX audit_concept_at IF EXISTS
