"""The workers' Celery app with Celery's broker reconnect limit lowered from its 100 tries (about 46 minutes
of waits) to `RETRIES` (6 s), so a test sees in seconds what a long Redis outage does to a worker. Test-only:
the limit is Celery's, and the project leaves it at Celery's default (docs/workers.md, "Reliability")."""

from workers.celery_app import app

RETRIES = 2
app.conf.broker_connection_max_retries = RETRIES
