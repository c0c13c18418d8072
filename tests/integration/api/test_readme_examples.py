"""The service example of docs/services.md ("For services") run as a reader pastes it: each curl, with
the key of the role its `kgplatform keys create` comment names, against the real app and graph. It named
a concept and a task that nothing had created, so a newcomer's first two calls were 422s and the
third a 404."""

from __future__ import annotations

import json
import re

from kgplatform.auth.models import Role
from kgplatform.settings import PROJECT_ROOT
from tests.integration.api.harness import Api
from tests.unit.test_docs import shell_commands


def service_example() -> tuple[str, dict[str, Role]]:
    """The fenced block that posts an answer, and the role behind each key variable it sets."""
    blocks = re.findall(r"```bash\n(.*?)```", (PROJECT_ROOT / "docs" / "services.md").read_text(), flags=re.S)
    block = next(b for b in blocks if '"$API/answers"' in b and "next-tasks" in b)
    roles = {
        name: Role(role)
        for name, role in re.findall(r"^(\w+)=kgp_\S*\s+# kgplatform keys create --role (\w+)", block, re.M)
    }
    return block, roles


def test_the_service_example_runs_as_written_and_plans_the_task_it_answered(api: Api) -> None:
    block, roles = service_example()
    answers = []
    for _, words in shell_commands("```\n" + block + "```\n"):
        if words[0] != "curl":
            continue
        option = dict(zip(words, words[1:], strict=False))
        body = option.get("--json")
        if body is not None and body.startswith("@"):
            continue  # a file the reader makes first (simulate-logs): not the example's own data
        url = next(w for w in words if w.startswith("$API"))
        key = re.fullmatch(r"X-API-Key: \$(\w+)", option["-H"]).group(1)
        method = option.get("-X", "POST" if body is not None else "GET")
        response = api.call(
            method,
            url.removeprefix("$API"),
            role=roles[key],
            json=None if body is None else json.loads(body),
        )
        assert response.status_code < 400, (method, url, response.text)
        answers.append(response.json())
    assert len(answers) >= 4
    plan = answers[-1]
    assert plan["learner_id"] == "ada"
    assert [task["task_id"] for task in plan["tasks"]] == ["fractions-t1"]
