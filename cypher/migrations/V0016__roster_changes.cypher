// The audit trail of class rosters (kgplatform/classes): one RosterChange per change, read a class at a time,
// newest first (classes/read_roster_changes seeks this index); the id constraint keeps paging ties stable.
CREATE CONSTRAINT roster_change_id IF NOT EXISTS FOR (r:RosterChange) REQUIRE r.id IS UNIQUE;
CREATE INDEX roster_change_class_at IF NOT EXISTS FOR (r:RosterChange) ON (r.class_id, r.at);
