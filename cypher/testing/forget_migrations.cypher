// Test support: forgets which migrations were applied (the schema itself stays; every migration is
// IF NOT EXISTS), so a test can watch `migrate` apply them again. Parameters: none. Write.
MATCH (m:Migration)
DETACH DELETE m
