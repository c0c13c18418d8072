// Every registered model version, newest activation first (used to prune retired versions).
// Parameters: none. Returns: version, status, created_at, activated_at, retired_at. Read.
MATCH (m:TransferModel)
RETURN m.version AS version, m.status AS status, m.created_at AS created_at,
       m.activated_at AS activated_at, m.retired_at AS retired_at
// A model never activated sorts by its creation (nulls come first in a descending order).
ORDER BY coalesce(m.activated_at, m.created_at) DESC, m.created_at DESC
