// The indexes the database has. Parameters: none. Returns: name, type, entityType ("NODE" or
// "RELATIONSHIP"), labelsOrTypes (list), properties (list). Read.
SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties
RETURN name, type, entityType, labelsOrTypes, properties
