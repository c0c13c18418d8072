// Test fixture: the statement each open transaction runs now, so a test can wait for a command in another
// process to reach a given statement (an import's writes) before interrupting it; a fixed sleep would
// interrupt it wherever it happened to be.
// Parameters: none. Returns: query (the statement's text, as sent; one row per transaction). Read.
SHOW TRANSACTIONS YIELD currentQuery
RETURN currentQuery AS query
