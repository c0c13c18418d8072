// The one revision counter of the curriculum's structure (which concepts each task exercises, which
// concepts exist): mastery is stamped with it, so a learner whose mastery was traced before a change
// is replayed in full at their next answer. Unique, so concurrent MERGEs of it never make two.
CREATE CONSTRAINT curriculum_revision_id IF NOT EXISTS FOR (r:CurriculumRevision) REQUIRE r.id IS UNIQUE;
