from __future__ import annotations

from kgplatform.graph.driver import Graph

# The API fixture makes a key per role, and each key's creation writes its audit entry (since 4 December).
FIXTURE_LABELS = {"ApiKey", "KeyChange"}


def graph_counts(graph: Graph) -> dict[str, int]:
    """Nodes per label and relationships per type, the API fixture's keys and their audit entries left out."""
    rows = graph.read("testing/count_nodes_by_label")
    return {f"{r['kind']}:{r['name']}": r["n"] for r in rows if r["name"] not in FIXTURE_LABELS}


def structure_revision(graph: Graph) -> int:
    """The platform-wide structure revision mastery is stamped with (curriculum/bump_curriculum_revision):
    a bump replays every learner in full at their next answer."""
    [row] = graph.read("mastery/get_ingest_context", task_ids=[], event_ids=[], erased_digests=[])
    return int(row["revision"])
