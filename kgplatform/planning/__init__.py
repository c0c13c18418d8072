"""Plans: which tasks a learner should do next, and why (frontier, scoring, batch, simulator, storage)."""
