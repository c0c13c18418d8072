// The constraints the database has. Parameters: none. Returns: name, labels, properties. Read.
SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties
RETURN name, labelsOrTypes AS labels, properties
