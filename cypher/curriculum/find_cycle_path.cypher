// The shortest chain of prerequisite edges from $concept back to $prerequisite: if one exists, a new
// edge $prerequisite -> $concept would close a cycle made of this path plus that edge.
// Parameters: $prerequisite, $concept. Returns: path (list of concept ids, $concept first;
// no row when adding the edge keeps the graph acyclic). Read.
MATCH (start:Concept {id: $concept}), (goal:Concept {id: $prerequisite})
MATCH p = shortestPath((start)-[:PREREQUISITE_OF*]->(goal))
RETURN [n IN nodes(p) | n.id] AS path
