// Takes write locks on curricula, in id order, before a prerequisite edge is added: the cycle check
// reads paths through every concept of the curriculum, and locks on the edge's two ends alone let two
// additions with no shared concept (a->b beside c->d, with b->c and d->a stored) both pass their checks
// on the old graph and close a cycle together. An import takes the same lock first (it MERGEs the
// curriculum node), so every writer locks the curriculum before its concepts.
// Parameters: $ids (list of curriculum ids). Returns: id, one row per curriculum that exists. Write.
UNWIND $ids AS id
MATCH (cur:Curriculum {id: id})
WITH cur ORDER BY cur.id
SET cur._lock = true
REMOVE cur._lock
RETURN cur.id AS id
