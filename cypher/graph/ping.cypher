// Readiness probe. Parameters: none. Returns: ok (1). Read.
RETURN 1 AS ok
