"""Answers in, mastery out: ingestion, the tracer, its fitting and its evaluation."""
