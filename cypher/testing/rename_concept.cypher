// Tests only: gives a stored concept another id without any of the API's checks, standing in for an id
// stored before a rule for new ids was added. Parameters: $old, $new (strings). Returns: id. Write.
// Not for production.
MATCH (c:Concept {id: $old})
SET c.id = $new
RETURN c.id AS id
