from fastapi.testclient import TestClient

from kgplatform.api.app import create_app
from kgplatform.settings import Settings


def test_liveness_and_readiness_with_both_services_up(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"neo4j": "ok", "redis": "ok", "schema": "ok"}


def test_readiness_reports_which_service_is_missing(settings: Settings) -> None:
    broken = settings.model_copy(
        update={"redis": settings.redis.model_copy(update={"url": "redis://127.0.0.1:1/0"})}
    )
    with TestClient(create_app(broken)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["neo4j"] == "ok"
        assert ready.json()["checks"]["redis"].startswith("unavailable")
