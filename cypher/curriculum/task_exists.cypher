// Whether a task id is taken. Parameters: $id. Returns: exists (boolean). Read.
RETURN EXISTS { MATCH (:Task {id: $id}) } AS exists
