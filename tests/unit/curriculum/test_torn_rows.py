"""Which concept and task rows may be of a node deleted while a statement read it (`torn_rows`)."""

from __future__ import annotations

from kgplatform.curriculum import torn_rows

CONCEPT = {"id": "a", "curriculum_id": "m", "name": "A", "description": "", "tags": [], "difficulty": None}
TASK = {"id": "t", "curriculum_id": "m", "title": "T", "kind": "quiz", "difficulty": 0.5, "concepts": ["a"]}


def test_a_whole_row_is_not_asked_about_even_with_a_field_a_stored_node_may_leave_null() -> None:
    assert torn_rows.suspect_ids("concept", [CONCEPT]) == []
    assert torn_rows.suspect_ids("task", [TASK]) == []


def test_a_null_where_a_stored_node_has_a_value_or_a_task_with_no_concept_is_asked_about() -> None:
    assert torn_rows.suspect_ids("concept", [{**CONCEPT, "name": None}]) == ["a"]
    assert torn_rows.suspect_ids("task", [{**TASK, "difficulty": None}]) == ["t"]
    assert torn_rows.suspect_ids("task", [{**TASK, "concepts": []}]) == ["t"]


def test_rows_with_no_id_are_dropped_without_asking_and_those_found_gone_are_dropped() -> None:
    rows = [{**TASK, "id": None, "title": None}, {**TASK, "id": "u", "title": None}, TASK]
    assert torn_rows.suspect_ids("task", rows) == ["u"]
    assert torn_rows.keep_whole(rows, ["u"]) == [TASK]
    assert torn_rows.keep_whole(rows, []) == rows[1:]


def test_a_concept_deleted_while_a_tasks_concepts_were_read_is_left_out_of_the_list() -> None:
    task = torn_rows.with_known_concepts({**TASK, "concepts": ["a", None]})
    assert task["concepts"] == ["a"] and not torn_rows.may_be_torn("task", task)
    assert torn_rows.may_be_torn("task", torn_rows.with_known_concepts({**TASK, "concepts": [None]}))
