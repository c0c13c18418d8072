"""Every operation documents the platform's problem+json errors."""

from __future__ import annotations

from kgplatform.api.app import create_app


def test_every_operation_documents_problem_errors() -> None:
    document = create_app().openapi()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            for status in ("413", "422", "429", "500", "503"):
                content = responses[status]["content"]
                assert "application/problem+json" in content, (method, path, status)
            if operation.get("security"):
                assert {"401", "403"} <= set(responses), (method, path)
    next_tasks = document["paths"]["/learners/{learner_id}/next-tasks"]["get"]["responses"]
    assert next_tasks["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/NextTasks")
    assert "Retry-After" in next_tasks["429"]["headers"]
