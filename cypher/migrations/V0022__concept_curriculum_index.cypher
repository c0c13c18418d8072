// A curriculum's concepts by their curriculum_id property, the one the planner decides a learner's
// curriculum by: a batch for one curriculum (jobs/list_curriculum_learners) seeks them here and walks
// to their learners, instead of listing every learner in the graph. Additive.
CREATE INDEX concept_curriculum IF NOT EXISTS FOR (c:Concept) ON (c.curriculum_id);
