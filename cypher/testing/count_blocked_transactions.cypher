// Test fixture: how many transactions wait on a lock now, so a concurrency test knows its second writer
// is blocked behind the first before releasing it (a fixed sleep passed whether or not it was).
// Parameters: none. Returns: blocked (count). Read.
SHOW TRANSACTIONS YIELD status
WHERE status STARTS WITH 'Blocked'
RETURN count(*) AS blocked
