"""Celery workers: the app, its tasks and its schedule."""
