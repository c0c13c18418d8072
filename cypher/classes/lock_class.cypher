// Creates a class on first sight and write-locks it, before classes/set_class_name or
// classes/replace_class_learners in the same transaction, so that a deletion cannot remove it between
// their MERGE and their writes. A class deleted while this waited for its lock: the MERGE had matched the
// node the deletion removed and the SET wrote nothing (a rename then answered no class id after writing an
// audit entry of no class; a roster's memberships failed with Neo4j's ClientError: a review, 4 December
// 2026); `alive` is false, and the caller runs this again in the same transaction, whose MERGE creates the
// class afresh (classes/lock_class_learners does the same for learners).
// Parameters: $class_id (string), $now (datetime: created_at of a class created here, the moment the
// statements after it are given). Returns: alive (boolean). Write.
MERGE (c:Class {id: $class_id})
  ON CREATE SET c.created_at = $now
SET c.updated_at = $now
RETURN EXISTS { MATCH (:Class {id: $class_id}) } AS alive
