// Tests only: sets a stored concept's name, description and tags without any of the API's checks, standing
// in for text stored before a rule for new text was added. Parameters: $id, $name, $description (strings),
// $tags (list of strings). Returns: id. Write. Not for production.
MATCH (c:Concept {id: $id})
SET c.name = $name, c.description = $description, c.tags = $tags
RETURN c.id AS id
