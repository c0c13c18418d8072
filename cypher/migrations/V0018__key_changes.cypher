// The audit trail of API keys (kgplatform/auth): one KeyChange per key created, given other classes or
// revoked, read newest first for every key (the key_change_at index) or one key (key_change_key_at); the id
// constraint keeps paging ties stable.
CREATE CONSTRAINT key_change_id IF NOT EXISTS FOR (c:KeyChange) REQUIRE c.id IS UNIQUE;
CREATE INDEX key_change_key_at IF NOT EXISTS FOR (c:KeyChange) ON (c.key_id, c.at);
CREATE INDEX key_change_at IF NOT EXISTS FOR (c:KeyChange) ON (c.at);
