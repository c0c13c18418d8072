// Classes of learners (kgplatform/classes): one Class node per class id, its roster as HAS_MEMBER
// relationships to learners. The constraint makes a roster PUT's MERGE safe against a concurrent one, and
// its index is the seek a scoped teacher key's list starts from (mastery/list_class_member_ids).
CREATE CONSTRAINT class_id IF NOT EXISTS FOR (c:Class) REQUIRE c.id IS UNIQUE;
