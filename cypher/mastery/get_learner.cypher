// Whether a learner exists, with its goals and interests.
// Parameters: $learner_id (string). Returns: learner_id, goals (concept ids), interests (tag names); no
// row when the learner is unknown. Read.
MATCH (l:Learner {id: $learner_id})
OPTIONAL MATCH (l)-[:HAS_GOAL]->(g:Concept)
WITH l, collect(g.id) AS goals
OPTIONAL MATCH (l)-[:INTERESTED_IN]->(t:Tag)
RETURN l.id AS learner_id, goals,
       collect(t.name) AS interests
