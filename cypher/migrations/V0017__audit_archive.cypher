// One AuditArchive node per curriculum whose old audit entries `kgplatform audit archive` moved to a file:
// the audit routes read it to say the trail does not begin at its oldest remaining entry. The constraint
// makes the archive's MERGE of it safe and is the seek the routes read it by.
CREATE CONSTRAINT audit_archive_curriculum IF NOT EXISTS FOR (x:AuditArchive) REQUIRE x.curriculum_id IS UNIQUE;
