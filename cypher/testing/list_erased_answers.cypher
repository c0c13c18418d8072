// Test check of what an erase keeps (mastery/create_erased_answers): every erased-answer node's
// properties, to assert that only the digest is there. Parameters: none. Returns: properties (map). Read.
MATCH (e:ErasedAnswer)
RETURN properties(e) AS properties
