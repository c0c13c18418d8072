// Forgets every cached plan, so the next statement is planned on the graph's statistics as they are now:
// a test that PROFILEs a plan would otherwise meet one planned earlier, on an empty graph.
// Parameters: none. Returns: value (string). Write.
CALL db.clearQueryCaches() YIELD value
RETURN value
