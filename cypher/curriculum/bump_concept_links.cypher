// Counts a change to concepts' links as a change of each concept: its version (its ETag) moves. A link is a
// prerequisite edge into or out of it (added, removed, re-weighted) or a task exercising it (created,
// changed, deleted, or made to exercise it or not). Its delete removes them all with it, and designer A's
// delete over the ETag read when A opened the concept removed a link designer B had added since, which A
// never saw (a review, s37); now that delete is refused (412) until A reads the concept again. A change of
// the fields (update_concept) moves the same version: one ETag says "the concept and what hangs on it".
// Also keeps the last 20 link changes (versions.LINK_CHANGES_KEPT), each "<version it made> <what>", so a 412
// can name what changed.
// Run in the transaction making the change, after it locked the concepts (lock_concepts / lock_concept)
// where it does; ids in id order. Parameters: $changes (list of maps: id, what (list of strings)).
// Returns: bumped (count). Write.
UNWIND $changes AS change
MATCH (c:Concept {id: change.id})
WITH c, change, c.version + 1 AS version
SET c.version = version,
    c.link_changes = (coalesce(c.link_changes, []) + [what IN change.what | toString(version) + ' ' + what])[-20..]
RETURN count(c) AS bumped
