// The ids of the learners a batch for one curriculum may plan there: each learner with a goal or a
// mastered concept in $curriculum_id. The fan-out then reads how many of their goals and mastered concepts
// each curriculum holds a page of ids at a time (jobs/count_learner_curricula) and keeps those whose
// default curriculum is $curriculum_id by planning/jobs.py's `default_curriculum`, the rule by which a
// chunk skips the learners of another curriculum (a learner with goals in two curricula touches both and
// is planned in one). Found from the curriculum's concepts (index concept_curriculum, V0022) through their
// HAS_GOAL and MASTERY relationships: the learners of other curricula are never read. Until 5 December
// 2026 this row also held every learner's counts, which grew with the curriculum; ids alone are what the
// fan-out keeps anyway (its chunks). Paging this list by id instead walked the curriculum's relationships
// once a page (PROFILE, 40,000 learners a curriculum in pages of 10,000: 2.79 million db hits a page, 5
// pages, against 6.0 million for the whole list with its counts). The concepts are collected first
// because, asked for learners in id order, the planner read every Learner by label and expanded each.
// Learners with neither goals nor mastery are listed by jobs/list_learners_without_curriculum. One row,
// as jobs/list_learner_ids returns (a record per learner cost the driver about 50 us each).
// Parameters: $curriculum_id (string). Returns one row: learner_ids (a list, in no set order). Read.
MATCH (c:Concept {curriculum_id: $curriculum_id})
WITH collect(c) AS concepts
UNWIND concepts AS c
MATCH (c)<-[:HAS_GOAL|MASTERY]-(l:Learner)
WITH DISTINCT l
RETURN collect(l.id) AS learner_ids
