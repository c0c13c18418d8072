// Tests only: moves the keys' and rosters' audit entries stamped at or before $until back by $by, standing
// in for entries written long ago (the real writers stamp them by the clock). Parameters: $until
// (datetime), $by (duration). Returns: aged (count). Write. Not for production.
MATCH (n)
WHERE (n:KeyChange OR n:RosterChange) AND n.at <= $until
SET n.at = n.at - $by
RETURN count(n) AS aged
