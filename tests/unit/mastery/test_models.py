"""Answer rows are validated one by one; each bad row names its field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import pytest
from pydantic import AwareDatetime, BeforeValidator, TypeAdapter, ValidationError

from kgplatform.mastery.models import AnswerIn, InterestsIn, iso_time_text, parse_answer_rows
from kgplatform.mastery.service import stored_row

ROW = {
    "event_id": "e1",
    "learner_id": "l1",
    "task_id": "t1",
    "correct": True,
    "answered_at": "2026-01-05T09:30:00+01:00",
    "duration_s": 12.5,
}


def test_a_valid_row_keeps_its_instant_in_utc_and_its_outcome() -> None:
    answer = AnswerIn.model_validate(ROW)
    assert answer.answered_at_utc == datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
    assert answer.outcome == 1.0
    assert AnswerIn.model_validate({**ROW, "correct": None, "score": 0.25}).outcome == 0.25
    assert AnswerIn.model_validate({**ROW, "correct": False}).outcome == 0.0


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-01-05 09:30:00+01", datetime(2026, 1, 5, 8, 30, tzinfo=UTC)),  # PostgreSQL's timestamptz text
        ("2026-01-05T03:30:00.25-05", datetime(2026, 1, 5, 8, 30, 0, 250000, tzinfo=UTC)),
        ("2026-01-05T09:30+01", datetime(2026, 1, 5, 8, 30, tzinfo=UTC)),
    ],
)
def test_an_offset_of_hours_only_is_an_iso_8601_time_zone(text: str, utc: datetime) -> None:
    """ISO 8601 allows "+01", and PostgreSQL writes a timestamptz so; it was refused as "unexpected extra
    characters at the end of the input", though the docs ask for ISO 8601 with a time zone (a review, s40).
    The same instant written with "+01:00" is the same answer (a duplicate, not a conflict)."""
    answer = AnswerIn.model_validate({**ROW, "answered_at": text})
    assert answer.answered_at_utc == utc
    assert stored_row(answer) == stored_row(AnswerIn.model_validate({**ROW, "answered_at": f"{text}:00"}))


@pytest.mark.parametrize(
    "text", ["2026-12-05T09:00:00 01:00", "2026-12-05 09:00 0100", "2026-12-05T09:00:00.5 01"]
)
def test_an_offset_whose_plus_became_a_space_says_so(text: str) -> None:
    """`?since=2026-12-05T09:00:00+01:00` typed into a URL reaches the API as "... 01:00" (a '+' in a query
    string is a space): pydantic's "unexpected extra characters at the end of the input" did not say that
    the '+' was lost, or how to send it."""
    with pytest.raises(ValidationError) as raised:
        TypeAdapter(Annotated[AwareDatetime, BeforeValidator(iso_time_text)]).validate_python(text)
    message = raised.value.errors()[0]["msg"]
    assert "'+'" in message and "%2B" in message, message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"answered_at": "2026-01-05T09:30:00"}, "answered_at"),  # no timezone
        ({"answered_at": "yesterday"}, "answered_at"),
        ({"score": 0.5}, "score"),  # both outcomes
        ({"correct": None}, "score"),  # neither
        ({"correct": None, "score": 1.5}, "score"),
        ({"correct": "maybe"}, "correct"),
        ({"duration_s": -1}, "duration_s"),
        ({"duration_s": float("nan")}, "duration_s"),
        ({"event_id": ""}, "event_id"),
        ({"learner_id": "has space"}, "learner_id"),
        ({"task_id": None}, "task_id"),
        ({"task_id": "   "}, "task_id"),
        ({"answered_at": "0001-01-01T00:00:00+01:00"}, "answered_at"),  # no UTC instant in range
        ({"answered_at": "9999-12-31T23:30:00-01:00"}, "answered_at"),
        ({"answered_at": "2999-01-01T00:00:00Z"}, "answered_at"),  # far ahead of the server's clock
        ({"learner_id": "\ud800"}, "learner_id"),  # a lone surrogate: not encodable text
        ({"event_id": "e\x00"}, "event_id"),  # control characters: numpy drops trailing NULs
        ({"learner_id": "l\x07"}, "learner_id"),
        ({"answered_at": "1700-01-01T00:00:00.000002Z"}, "answered_at"),  # float days cannot order its µs
        # Neo4j reads a fractional time before 1970 back a second late (`models.EARLIEST_ANSWER`).
        ({"answered_at": "1969-12-31T23:59:59.5Z"}, "answered_at"),
        ({"answered_at": "1970-01-01T00:30:00.5+01:00"}, "answered_at"),  # the same side of 1970 in UTC
        ({"colour": "red"}, "colour"),  # unknown fields are refused, not silently dropped
    ],
)
def test_each_malformed_row_is_rejected_naming_its_field(change: dict, field: str) -> None:
    good, bad = parse_answer_rows([ROW, {**ROW, **change}])
    assert [i for i, _ in good] == [0]
    (rejection,) = bad
    assert rejection.index == 1 and rejection.reason == "invalid" and rejection.field == field
    assert rejection.event_id == {**ROW, **change}.get("event_id")  # echoed so the caller can match it


@pytest.mark.parametrize("score", [0.0, 1.0])
def test_a_score_at_either_end_of_0_to_1_is_an_outcome(score: float) -> None:
    """`score` is 0..1 inclusive (docs/services.md): a partial-credit task scored 0 is a wrong answer the
    tracer must see, not a row refused."""
    good, bad = parse_answer_rows([{**ROW, "correct": None, "score": score}])
    assert not bad and [a.outcome for _, a in good] == [score]


def test_rows_that_are_not_objects_are_rejected_too() -> None:
    good, bad = parse_answer_rows([ROW, "text", 3, None])
    assert len(good) == 1 and [r.index for r in bad] == [1, 2, 3]
    assert all(r.event_id is None for r in bad)


def test_task_ids_follow_the_curriculum_rule_so_every_task_can_be_answered() -> None:
    """Designers may name tasks with inner spaces (`EntityId`); an answer to such a task is valid."""
    good, bad = parse_answer_rows([{**ROW, "task_id": "fractions task 1"}])
    assert len(good) == 1 and not bad


def test_a_rejected_event_id_is_echoed_only_when_it_is_encodable_text() -> None:
    rows = [{**ROW, "event_id": "\ud800"}, {**ROW, "event_id": ["a"]}, {**ROW, "event_id": "x" * 5000}]
    _, bad = parse_answer_rows(rows)
    assert [r.event_id for r in bad] == [None, None, None]
    assert all(r.field == "event_id" for r in bad)
    for rejection in bad:
        rejection.model_dump_json()  # the response can carry it


def test_the_unix_epoch_itself_is_refused_as_a_missing_time_and_a_second_later_is_accepted() -> None:
    """1970-01-01T00:00:00Z, in any offset, is what a missing time turns into (a null written as 0): it was
    stored as an answer of 1970, counted in the learner's attempts, where the service meant to send a
    real time; it is refused naming answered_at (a review, 6 December 2026)."""
    for written in ("1970-01-01T00:00:00Z", "1970-01-01T01:00:00+01:00", "1969-12-31T19:00:00.000-05:00"):
        good, bad = parse_answer_rows([{**ROW, "answered_at": written}])
        assert not good and [(r.field, r.reason) for r in bad] == [("answered_at", "invalid")], written
        assert "Unix epoch" in bad[0].message and "missing time" in bad[0].message, bad[0].message
    good, bad = parse_answer_rows([{**ROW, "answered_at": "1970-01-01T00:00:00.000001Z"}])
    assert len(good) == 1 and not bad


@pytest.mark.parametrize("ahead", [timedelta(minutes=5), timedelta(hours=23)])
def test_an_answer_less_than_a_day_ahead_of_the_servers_clock_is_accepted(ahead: timedelta) -> None:
    """Services' clocks drift: an answer up to a day ahead is stored (docs/tracing.md), only one further
    ahead is refused; a service a few minutes fast must not lose its learners' answers."""
    answered_at = (datetime.now(UTC) + ahead).isoformat()
    good, bad = parse_answer_rows([{**ROW, "answered_at": answered_at}])
    assert len(good) == 1 and not bad
    too_far = (datetime.now(UTC) + timedelta(hours=25)).isoformat()
    _, bad = parse_answer_rows([{**ROW, "answered_at": too_far}])
    assert [(r.field, r.reason) for r in bad] == [("answered_at", "invalid")]


@pytest.mark.parametrize("tag", ["a\u0000b", "music\n", "\tart", "ev-\u202etxt", "zero\u200bwidth", "x\x85"])
def test_an_interest_tag_holding_control_or_invisible_characters_is_refused_naming_it(tag: str) -> None:
    """Interest tags took any text: a NUL, a newline or a right-to-left override was stored and shown back
    (the learner page, the report) as something else; key names and new ids already refused them."""
    with pytest.raises(ValidationError) as refused:
        InterestsIn.model_validate({"tags": ["music", tag]})
    (error,) = refused.value.errors()
    assert error["loc"] == ("tags", 1) and "characters (U+" in error["msg"]
    # What they may hold: any printable text of any script, spaces inside, and surrounding spaces (the
    # service strips them, as it matches tags whatever their case and spacing).
    fine = ["music", "Space travel", " café ", "数学", "x" * 100]
    assert InterestsIn.model_validate({"tags": fine}).tags == fine


@pytest.mark.parametrize("event_id", ["ev-\u202eexe.txt", "e1\u200b", "e\u00ad1", "e\u2066x", "e\ufeff"])
def test_an_event_id_holding_invisible_formatting_characters_is_rejected_naming_it(event_id: str) -> None:
    """Event ids refused whitespace and control characters but took format ones: "e1\u200b" was stored as
    an answer apart from "e1" that reads the same in the answers list and the learner's export, and a
    right-to-left override showed "ev-\u202eexe.txt" as "ev-txt.exe" (a review, 5 December 2026)."""
    good, bad = parse_answer_rows([ROW, {**ROW, "event_id": event_id}])
    assert [i for i, _ in good] == [0]
    (rejection,) = bad
    assert rejection.field == "event_id" and "invisible formatting characters (U+" in rejection.message


@pytest.mark.parametrize("event_id", ["e1 ", " e1", "lms 42", "e1\t", "e1\n", "e\u00a01", "e\u20031"])
def test_an_event_id_holding_whitespace_is_rejected_naming_it(event_id: str) -> None:
    """docs/tracing.md: an event id holds no whitespace. "e1 " sent by a service that pads its ids would be
    stored apart from the "e1" it reads as, so a retry after the padding was fixed stored the answer twice."""
    good, bad = parse_answer_rows([ROW, {**ROW, "event_id": event_id}])
    assert [i for i, _ in good] == [0]
    assert [(r.index, r.reason, r.field, r.event_id) for r in bad] == [(1, "invalid", "event_id", event_id)]


@pytest.mark.parametrize(
    ("event_id", "words"),
    [("lms 42", "whitespace (found U+0020)"), ("e1\t", "whitespace (found U+0009)"), ("e\x00", "control")],
)
def test_an_event_id_refusal_says_what_is_wrong_in_words(event_id: str, words: str) -> None:
    """As learner ids' (tests/unit/api/test_learner_ids.py): pydantic's own refusal quoted the regex
    ("String should match pattern '^[^\\s\\x00-...]+$'"), which told a service nothing it could act on."""
    _, (rejection,) = parse_answer_rows([{**ROW, "event_id": event_id}])
    assert rejection.field == "event_id" and f"an event id must not contain {words}" in rejection.message
    assert "pattern" not in rejection.message


def test_an_event_id_in_any_script_is_still_taken() -> None:
    good, bad = parse_answer_rows([{**ROW, "event_id": "事件-1"}, {**ROW, "event_id": "évènement:2"}])
    assert len(good) == 2 and not bad


def test_rows_of_the_wrong_json_type_are_rejected_saying_what_to_send() -> None:
    """In the words of the API's other 422s (`json_type_message`): "Input should be a valid boolean" did not
    tell a service that sent 1 what to send (a review, 6 December 2026)."""
    good, bad = parse_answer_rows([{**ROW, "correct": 1}, {**ROW, "correct": None, "score": "0.5"}])
    assert good == []
    assert [(r.field, r.message) for r in bad] == [
        ("correct", "correct: a JSON boolean (true or false) is needed, not the number 1 (send true)"),
        ("score", 'score: a JSON number is needed, not the text "0.5" (send 0.5)'),
    ]
