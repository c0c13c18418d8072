// One TrailArchive node per API key or class whose old entries `kgplatform audit archive --trail keys` or
// `--trail rosters` moved to a file (id: the trail's name, ':', the key's or class's id), so the key and
// roster audit routes say their trail does not begin at its oldest remaining entry, as AuditArchive (V0017)
// does for curricula. The constraint makes the archive's MERGE safe; the index on `trail` is the routes'
// read (audit/get_trail_archive: one note per key or class ever archived).
CREATE CONSTRAINT trail_archive_id IF NOT EXISTS FOR (x:TrailArchive) REQUIRE x.id IS UNIQUE;
CREATE INDEX trail_archive_trail IF NOT EXISTS FOR (x:TrailArchive) ON (x.trail);
