"""The curriculum: concepts, prerequisites and tasks, with versions, validation and an audit trail."""
