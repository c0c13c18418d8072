// Test and benchmark check: how many answers, learners and MASTERY relationships the graph holds.
// Parameters: none. Returns: answers, learners, mastery (counts). Read.
CALL () { MATCH (a:Answer) RETURN count(a) AS answers }
CALL () { MATCH (l:Learner) RETURN count(l) AS learners }
CALL () { MATCH (:Learner)-[m:MASTERY]->(:Concept) RETURN count(m) AS mastery }
RETURN answers, learners, mastery
