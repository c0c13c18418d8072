from fastapi.testclient import TestClient
from pydantic import SecretStr

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


def test_a_refused_neo4j_login_is_a_503_naming_the_credentials(settings: Settings) -> None:
    # With a wrong KGP_NEO4J__PASSWORD every keyed request was a 500 with a traceback in the log (8 December
    # 2026). A user of its own: Neo4j's lock after failed logins is per user, and must not lock out the
    # tests' own.
    wrong = settings.neo4j.model_copy(
        update={"user": "kgp-refused-login-test", "password": SecretStr("not-the-one")}
    )
    with TestClient(create_app(settings.model_copy(update={"neo4j": wrong}))) as client:
        key = {"X-API-Key": "kgp_" + "A" * 43}
        answers = {"learner_id": "l1", "task_id": "t1", "correct": True}
        for response in (
            client.get("/api-keys/me", headers=key),
            client.post("/answers", json=answers, headers=key),
        ):
            assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 1
            assert "KGP_NEO4J__PASSWORD" in response.json()["detail"] and "not-the-one" not in response.text
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "KGP_NEO4J__PASSWORD" in ready.json()["checks"]["neo4j"]
        assert "not-the-one" not in ready.text
