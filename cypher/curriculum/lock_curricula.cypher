// Takes write locks on curricula, in id order. Every curriculum writer runs it first, before locking any
// concept or task (curriculum/store.py's lock_owning_curricula; an import too, before its MERGE of the
// curriculum node, which locks an unchanged node only when the audit entries are written), and
// create_audit_entries locks the same curricula again at the end (harmless): one order for every
// writer, so two of them cannot deadlock. It also serialises the cycle check: that check reads
// paths through every concept of the curriculum, and locks on the edge's two ends alone let two additions
// with no shared concept (a->b beside c->d, with b->c and d->a stored) both pass on the old graph and
// close a cycle together.
// Parameters: $ids (list of curriculum ids). Returns: id, one row per curriculum that exists. Write.
UNWIND $ids AS id
MATCH (cur:Curriculum {id: id})
WITH cur ORDER BY cur.id
SET cur._lock = true
REMOVE cur._lock
RETURN cur.id AS id
