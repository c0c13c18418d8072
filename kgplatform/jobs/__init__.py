"""Batches and on-demand work run by the Celery workers: progress, locks, debounce, summaries, metrics."""
