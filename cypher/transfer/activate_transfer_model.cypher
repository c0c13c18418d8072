// Second half of the switch: the version becomes current. Readers follow the current pointer, so they
// see all of the old model or all of the new one. No row (nothing changed) when a current model was
// trained on newer data (data_at): whichever publish switches last must not win over fresher data; and
// none unless the version is still 'writing' (not claimed by a failed publish's discard, not a retired or
// the current model published again).
// Nor while the current model is held by an operator (`kgplatform transfer rollback --hold`: a
// retrain of newer data must not undo a rollback the next night; `transfer release` ends the hold).
// Parameters: $version. Returns: version, status (no row when refused). Write.
MATCH (m:TransferModel {version: $version})
WHERE m.status = 'writing' AND NOT EXISTS {
  MATCH (held:TransferModel {status: 'current'})
  WHERE held.version <> $version AND held.held_by IS NOT NULL
} AND NOT EXISTS {
  MATCH (newer:TransferModel {status: 'current'})
  WHERE newer.version <> $version AND newer.data_at > m.data_at
}
SET m.status = 'current', m.activated_at = datetime()
RETURN m.version AS version, m.status AS status
