// The indexes the database has. Parameters: none. Returns: name, type. Read.
SHOW INDEXES YIELD name, type
RETURN name, type
