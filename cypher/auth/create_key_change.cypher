// Records one change of an API key in the keys' audit trail, in the transaction that made it (after
// auth/create_api_key, auth/set_api_key_classes or auth/revoke_api_key). Never the key's secret or hash: the
// key is named by its id and name. Stamped by the clock at the statement, datetime.realtime(), so entries
// of one key (whose change locked it) follow commit order.
// Parameters: $id (string), $key_id, $key_name, $role, $action ('create', 'update' or 'revoke'), $actor (the
// admin key's name and id, or 'cli:<os user>'), $classes (the key's classes after the change; empty: every
// learner), $classes_before (list for 'update', null otherwise: no property). Returns: id, at. Write.
CREATE (c:KeyChange {id: $id, key_id: $key_id, key_name: $key_name, role: $role, action: $action,
                     actor: $actor, at: datetime.realtime(), classes: $classes, classes_before: $classes_before})
RETURN c.id AS id, c.at AS at
