// Write-locks a stored class before classes/delete_class in the same transaction, and says whether it is
// still there: a deletion waiting on another deletion of the class had matched the node the other removed,
// and answered with the members it had removed and a second audit entry naming them (a review, 4 December
// 2026). `alive` false: the class went while this waited, and the caller answers the unknown class's 404.
// Parameters: $class_id (string). Returns: alive (boolean); no row when the class is unknown. Write.
MATCH (c:Class {id: $class_id})
SET c.id = c.id
RETURN EXISTS { MATCH (:Class {id: $class_id}) } AS alive
