// One page of learner ids in id order, after $after: how a batch splits learners into chunks (an index
// scan; each chunk finds its learners' curricula itself, in parallel). One row holding the page's ids as
// a list: one record per learner cost the driver about 50 us each, 4.8 CPU-s for 100,000 learners.
// Parameters: $after (string, "" for the first page), $limit (int). Returns one row: learner_ids (a list
// in id order; empty after the last learner). Read.
MATCH (l:Learner)
WHERE l.id > $after
WITH l.id AS learner_id
ORDER BY learner_id
LIMIT $limit
RETURN collect(learner_id) AS learner_ids
