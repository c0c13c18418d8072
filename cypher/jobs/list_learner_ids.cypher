// One page of learner ids in id order, after $after: how a batch splits learners into chunks (an index
// scan; each chunk finds its learners' curricula itself, in parallel). Parameters: $after (string, ""
// for the first page), $limit (int). Returns: learner_id. Read.
MATCH (l:Learner)
WHERE l.id > $after
RETURN l.id AS learner_id
ORDER BY l.id
LIMIT $limit
