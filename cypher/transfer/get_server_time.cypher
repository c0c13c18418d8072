// The database server's clock, read just before a retrain's export: the model's data_at. Write-back
// compares it with concepts' created_at, which the same clock stamped (a worker's clock running ahead let
// a concept deleted and created again under its id inherit the old one's edges), and models published from
// different hosts are ordered by one clock.
// Parameters: none. Returns: now (datetime). Read.
RETURN datetime() AS now
