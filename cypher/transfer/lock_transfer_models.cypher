// First statement of the switch transaction: write-locks every registered model in version order. Two
// publishes switching at once then run one after the other, and the second one's retire statement sees
// the first one's model as current (without the lock both read the old pointer, and both stayed current).
// Parameters: none. Returns: locked (count). Write.
MATCH (m:TransferModel)
WITH m ORDER BY m.version
SET m._lock = true
REMOVE m._lock
RETURN count(m) AS locked
