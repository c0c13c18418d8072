// A learner's last answer time, for the teacher's list of learners (mastery/list_learners): with the
// answer time beside the learner id in one index, the newest answer is the first entry of a seek read
// backwards, from the index alone, instead of a read of each of the learner's answers.
CREATE INDEX answer_learner_time IF NOT EXISTS FOR (a:Answer) ON (a.learner_id, a.answered_at);
