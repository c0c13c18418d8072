"""kgplatform.validation_messages: a wrong-type error says what was sent and what to send."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import AwareDatetime, BaseModel, Field, StrictBool, ValidationError, field_validator

from kgplatform.mastery.models import parse_answer_rows
from kgplatform.validation_messages import (
    MAX_SHOWN_TEXT,
    TIME_ZONE_NEEDED,
    error_message,
    json_type_message,
    plain_message,
)


class Body(BaseModel):
    """Members typed as the API's strict ones (a concept's difficulty, a task's minutes, `unscoped`)."""

    number: Annotated[float, Field(strict=True)] = 0.0
    whole: Annotated[int, Field(strict=True)] = 0
    lax_whole: int = 0
    flag: StrictBool = False
    text: str = ""


def message_for(member: str, sent: Any) -> str | None:
    with pytest.raises(ValidationError) as refused:
        Body.model_validate({member: sent})
    (error,) = refused.value.errors()
    return json_type_message(error)


@pytest.mark.parametrize(
    ("member", "sent", "message"),
    [
        ("number", "0.5", 'a JSON number is needed, not the text "0.5" (send 0.5)'),
        ("number", " 2 ", 'a JSON number is needed, not the text " 2 " (send 2)'),
        ("number", "0,5", 'a JSON number is needed, not the text "0,5"'),
        ("number", "NaN", 'a JSON number is needed, not the text "NaN"'),
        ("number", "1e999", 'a JSON number is needed, not the text "1e999"'),
        ("number", "+1", 'a JSON number is needed, not the text "+1"'),
        ("number", "-1.5e2", 'a JSON number is needed, not the text "-1.5e2" (send -150.0)'),
        ("number", "[[1]]", 'a JSON number is needed, not the text "[[1]]"'),
        ("number", True, "a JSON number is needed, not the boolean true"),
        ("number", None, "a JSON number is needed, not null"),
        ("number", [0.5], "a JSON number is needed, not an array"),
        ("number", {"value": 0.5}, "a JSON number is needed, not an object"),
        ("whole", 12.0, "a JSON integer is needed, not the number 12.0 (send 12)"),
        ("whole", "12", 'a JSON integer is needed, not the text "12" (send 12)'),
        ("whole", 12.5, "a JSON integer is needed, not the number 12.5"),
        ("whole", False, "a JSON integer is needed, not the boolean false"),
        ("lax_whole", 12.5, "a JSON integer is needed, not the number 12.5"),  # lax mode's int_from_float
        ("flag", 1, "a JSON boolean (true or false) is needed, not the number 1 (send true)"),
        ("flag", 0.0, "a JSON boolean (true or false) is needed, not the number 0.0 (send false)"),
        ("flag", "true", 'a JSON boolean (true or false) is needed, not the text "true" (send true)'),
        ("flag", "yes", 'a JSON boolean (true or false) is needed, not the text "yes"'),
        ("flag", 0.5, "a JSON boolean (true or false) is needed, not the number 0.5"),
        ("flag", [True], "a JSON boolean (true or false) is needed, not an array"),
        ("text", 42, 'a JSON string is needed, not the number 42 (send "42")'),
        ("text", True, "a JSON string is needed, not the boolean true"),
    ],
)
def test_a_wrong_json_type_is_said_with_what_was_sent_and_what_to_send(
    member: str, sent: Any, message: str
) -> None:
    assert message_for(member, sent) == message


def test_other_errors_keep_their_own_message() -> None:
    for error in [
        {"type": "missing", "loc": ("a",), "msg": "Field required", "input": {}},
        {"type": "less_than_equal", "loc": ("a",), "msg": "Input should be <= 1", "input": 2},
        {"type": "float_parsing", "loc": ("a",), "msg": "Input should be a valid number", "input": "x"},
    ]:
        assert json_type_message(error) is None


def test_long_text_is_cut_with_its_length_said() -> None:
    message = message_for("number", "9" * 5000)
    assert message == f'a JSON number is needed, not the text "{"9" * MAX_SHOWN_TEXT}..." (5,000 characters)'


def test_text_that_cannot_be_encoded_is_shown_as_escapes() -> None:
    """A lone surrogate echoed raw would make the problem+json response itself fail to encode."""
    message = message_for("number", "\ud800\x01")
    assert message == 'a JSON number is needed, not the text "\\ud800\\u0001"'
    message.encode("utf-8")


def test_text_nesting_arrays_deeply_is_only_shown() -> None:
    """Text is matched against JSON's number grammar, not parsed: parsing overflowed on this one."""
    message = message_for("whole", "[" * 100_000)
    assert (
        message == f'a JSON integer is needed, not the text "{"[" * MAX_SHOWN_TEXT}..." (100,000 characters)'
    )


def test_error_message_words_a_wrong_type_by_its_source_and_drops_a_validators_value_error_prefix() -> None:
    class Checked(BaseModel):
        number: Annotated[float, Field(strict=True)] = 0.0
        name: str = ""

        @field_validator("name")
        @classmethod
        def _no_spaces(cls, name: str) -> str:
            if " " in name:
                raise ValueError("a name holds no spaces")
            return name

    with pytest.raises(ValidationError) as refused:
        Checked.model_validate({"number": "0.5", "name": "a b"})
    wrong_type, own = refused.value.errors()
    assert (
        error_message(wrong_type, json_type_message)
        == 'a JSON number is needed, not the text "0.5" (send 0.5)'
    )
    assert error_message(wrong_type, None) == "Input should be a valid number"  # pydantic's own words
    assert error_message(wrong_type, lambda error: None) == "Input should be a valid number"
    assert error_message(own, json_type_message) == "a name holds no spaces"


def test_a_time_without_a_zone_says_what_to_add_wherever_a_time_is_read() -> None:
    """Pydantic's "Input should have timezone info" did not say what to add, nor that such a time is not
    taken as UTC: an answer row, a query's `since` and an audit window all say it (a review, 6 December
    2026)."""

    class Window(BaseModel):
        since: AwareDatetime

    with pytest.raises(ValidationError) as refused:
        Window.model_validate({"since": "2026-11-01T08:00:00"})
    (error,) = refused.value.errors()
    assert plain_message(error) == TIME_ZONE_NEEDED
    assert "Z" in TIME_ZONE_NEEDED and "+01:00" in TIME_ZONE_NEEDED and "not taken as UTC" in TIME_ZONE_NEEDED
    row = {"event_id": "e1", "learner_id": "l1", "task_id": "t1", "correct": True}
    _, [rejected] = parse_answer_rows([{**row, "answered_at": "2026-11-01T08:00:00"}])
    assert (rejected.field, rejected.message) == ("answered_at", f"answered_at: {TIME_ZONE_NEEDED}")
