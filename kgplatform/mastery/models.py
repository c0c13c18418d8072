"""Request and response shapes of the mastery area: answers in, batch results and mastery out.

Answers are validated one row at a time (`parse_answer_rows`) so that a malformed row is rejected
with its reason while the rest of a batch can still be accepted (see `kgplatform.mastery.service`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    StrictBool,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from kgplatform.curriculum.lone_surrogates import encodable
from kgplatform.curriculum.models import (
    MAX_ID_LENGTH,
    TEXT_PATTERN,
    EntityRef,
    shows_as_written,
    well_formed_id,
)
from kgplatform.errors import NotFound
from kgplatform.validation_messages import TypeMessage, error_message, json_type_message

# Learners per retrace transaction (`kgplatform retrace`'s default, the demo's): each holds their locks,
# and a few hundred histories replay in well under a second.
RETRACE_PAGE = 200
MAX_BATCH_SIZE = 10_000
# Event and learner ids: no whitespace anywhere (services generate them). Task ids are the curriculum's
# (`EntityRef`: any stored task id, also one made before ids had to be well formed), so any task a
# designer can create can be answered.
# No control characters either: ids are compared and sorted as text, and numpy's fixed-width strings drop
# trailing NULs ("e" and "e\x00" would be one answer to the tracer).
ID_PATTERN = r"^[^\s\x00-\x1f\x7f-\x9f]+$"
# The pattern is for the OpenAPI document; `event_id_characters` checks it and says it in words.
Id = Field(min_length=1, max_length=MAX_ID_LENGTH, json_schema_extra={"pattern": ID_PATTERN})
_EVENT_ID_REFUSED = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def event_id_characters(value: str) -> str:
    """ID_PATTERN checked in words, as `learner_id_characters` does for learner ids: "lms 42" was refused as
    "String should match pattern '^[^\\s\\x00-\\x1f\\x7f-\\x9f]+$'", which a service cannot act on. No
    invisible formatting characters either, as learner ids and new curriculum ids: "e1\u200b" was a second
    answer that reads as "e1" in the answers list and the export. Printable ASCII without a space (nearly
    every event id) needs no per-character scan: ingestion validates one per answer."""
    if value.isascii() and value.isprintable() and " " not in value:
        return value
    if (found := _EVENT_ID_REFUSED.search(value)) is not None:
        char = found.group()
        kind = "whitespace" if char.isspace() else "control characters"
        raise ValueError(f"an event id must not contain {kind} (found U+{ord(char):04X})")
    return shows_as_written(value)


EventId = Annotated[str, AfterValidator(event_id_characters)]
# A learner id is also a path segment of every learner route (/learners/{id}/...): no '/', and, as new
# curriculum ids (`well_formed_id`), not '.' or '..' (no route could reach such a learner) and NFC (or
# "Café" typed two ways would be two learners).
LEARNER_ID_PATTERN = r"^[^\s/\x00-\x1f\x7f-\x9f]+$"
_LEARNER_ID_REFUSED = re.compile(r"[\s/\x00-\x1f\x7f-\x9f]")


def learner_id_characters(value: str) -> str:
    """LEARNER_ID_PATTERN checked in words: pydantic's own refusal quoted the regex, which told a service
    sending "jane doe" or "school-1/42" nothing it could act on (a review, s30)."""
    if (found := _LEARNER_ID_REFUSED.search(value)) is None:
        return value
    char = found.group()
    if char == "/" or char.isspace():
        message = (
            "a learner id must not contain whitespace or '/': it is a URL path segment (/learners/ID/...)"
        )
    else:
        message = f"a learner id must not contain control characters (found U+{ord(char):04X})"
    raise ValueError(message)


def unknown_learner(learner_id: str) -> NotFound:
    """The 404 of a learner id with no learner, in the one wording every learner route uses: a key scoped to
    classes gets it for a learner outside them too (kgplatform.classes.service), so the answer says nothing
    of whether the id exists elsewhere."""
    return NotFound(f"learner {learner_id!r} does not exist", field="learner_id")


# The id rule in words, and as a pattern for the OpenAPI document (as `api.params.LearnerId` states it for
# the path): the roster body's ids said only 1..200 characters while the route refused "jane doe" with a 422
# (a review, 4 December). `learner_id_characters` checks it, in words rather than pydantic's quoted regex.
LEARNER_ID_RULE = "no whitespace, '/' or control characters, Unicode NFC"
LearnerIdText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_ID_LENGTH),
    AfterValidator(learner_id_characters),
    AfterValidator(well_formed_id),
    Field(
        description=f"A learner's id ({LEARNER_ID_RULE}).", json_schema_extra={"pattern": LEARNER_ID_PATTERN}
    ),
]


# A date and time whose offset gives hours only ("+01"): ISO 8601 allows it, and PostgreSQL writes a
# timestamptz so ("2026-01-05 08:00:00+01"), but pydantic refuses it as "unexpected extra characters".
_HOURS_ONLY_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?[+-]\d{2}$")


# A date and time followed by a space and an offset's digits: "+01:00" sent unencoded in a URL's query
# string, where '+' means a space. Refused saying so: pydantic's "unexpected extra characters" did not.
_PLUS_AS_SPACE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)? \d{2}(?::?\d{2})?$")


def iso_time_text(value: Any) -> Any:
    """Only ISO 8601 text (or a datetime, from Python callers): pydantic would also read a number, or text
    of digits, as seconds since 1970, which a service sending the wrong field would never notice. Also the
    audit trails' `since` and `until` (`api.deps.audit_filter`). An hours-only offset gets its minutes."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _PLUS_AS_SPACE.match(value):
        raise ValueError(
            f"{value!r} has a space where its time zone's '+' was: in a URL's query a '+' reads as a "
            "space, so send it as %2B (e.g. 2026-01-05T09:00:00%2B01:00), or give the time in UTC with Z"
        )
    if isinstance(value, str) and not is_number(value):
        return f"{value}:00" if _HOURS_ONLY_OFFSET.match(value) else value
    raise ValueError("must be an ISO 8601 date and time with a timezone, e.g. 2026-01-05T08:00:00Z")


def is_number(text: str) -> bool:
    """Whether Python reads the text as a number (also the answer logs' readers ask this)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


# Blank tags are refused by the service (naming `tags`); the constraint bounds the length and, like every
# constrained str, refuses text that is not valid Unicode (a lone surrogate) before it reaches the driver.
# Control and invisible formatting characters are refused as in key names and new ids, naming the tag
# (`tags.N`): a NUL, a newline or a right-to-left override was stored and came back, in the learner's
# interests and the plan's reasons, looking like another tag (a review, s36). The pattern is for the
# OpenAPI document only (the control characters, as curriculum tags have it); the validator says it in words.
Tag = Annotated[
    str,
    StringConstraints(max_length=100),
    AfterValidator(shows_as_written),
    Field(
        description="An interest tag, not blank: no control or invisible formatting characters (zero-width "
        "space, bidi overrides); case and surrounding spaces are ignored when matching.",
        # minLength: the service refuses a blank tag (`set_interests`), the empty one included.
        json_schema_extra={"pattern": TEXT_PATTERN, "minLength": 1},
    ),
]
# Services' clocks drift; an answer further ahead than this is a client bug that would freeze the
# learner's forgetting and force a full replay of every later answer, so it is refused.
MAX_CLOCK_AHEAD = timedelta(days=1)
# Times travel out of Neo4j as `epochSeconds` and `nanosecond` (the driver spends about 60 us hydrating a
# datetime), and before 1970 Neo4j rounds a time's `epochSeconds` towards zero while its `nanosecond` stays
# positive: 1969-12-31T23:59:59.5Z reads back as 1970-01-01T00:00:00.5Z. A re-posted answer then looked
# like a conflict and a replay put it after a later answer (a review, 1 December). No answer log is older
# than 1970, so such times are refused rather than carried exactly through every read.
EARLIEST_ANSWER = datetime(1970, 1, 1, tzinfo=UTC)
# The epoch itself is what a missing time turns into (a null written as 0, `new Date(0)`), not when anyone
# answered: it was stored as an answer of 1970, first in the learner's history and counted in their
# attempts (and the report's "Struggling" count), so a service never heard that its export lost the times
# (a review, 6 December 2026). Refused; any later instant of 1970 is taken.
EPOCH_PLACEHOLDER = (
    "1970-01-01T00:00:00Z is the Unix epoch, what a missing time turns into (a null written as 0): "
    "send the time the learner answered"
)


# `_exactly_one_outcome` said in the JSON schema: one of `correct` and `score` holds a value, the other is
# left out or null. Without it every answer generated from the document lacked both (a fuzz, 6 December 2026).
EXACTLY_ONE_OUTCOME: dict[str, Any] = {
    "anyOf": [
        {"required": ["correct"], "properties": {"correct": {"type": "boolean"}, "score": {"type": "null"}}},
        {"required": ["score"], "properties": {"score": {"type": "number"}, "correct": {"type": "null"}}},
    ]
}


class AnswerIn(BaseModel):
    """One learner's answer to one task, as a service posts it: exactly one of `correct` (right or wrong)
    and `score` (a partial score, 0..1) gives its outcome, the other left out or null."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=EXACTLY_ONE_OUTCOME)

    event_id: EventId = Id
    learner_id: LearnerIdText
    task_id: EntityRef
    # Strict: "yes", 1 or "0.5" are a client's mistake, not an outcome to guess at.
    correct: StrictBool | None = None
    score: Annotated[float, Strict()] | None = Field(
        default=None, ge=0.0, le=1.0, allow_inf_nan=False, validate_default=True
    )
    # The pattern, for the document only, bounds the year as `_storable_time` does as far as a fixed pattern
    # can (from 1970; the upper bound, the server's clock plus a day, and the refused epoch itself, written
    # in any offset, are said in words).
    answered_at: Annotated[
        AwareDatetime,
        BeforeValidator(iso_time_text),
        Field(
            description="When the learner answered (ISO 8601, with a time zone): after 1970-01-01T00:00:00Z "
            "(that instant itself, the Unix epoch, is what a missing time turns into and is refused) to a "
            "day ahead of the server's clock.",
            json_schema_extra={"pattern": r"^(19[7-9]\d|2\d{3})-"},
        ),
    ]
    duration_s: Annotated[float, Strict()] | None = Field(default=None, ge=0.0, allow_inf_nan=False)

    @field_validator("score", mode="after")
    @classmethod
    def _exactly_one_outcome(cls, score: float | None, info: ValidationInfo) -> float | None:
        # A field validator (not a model one) so the error carries a field name: `score`.
        if "correct" in info.data and (info.data["correct"] is None) == (score is None):
            raise ValueError("give exactly one of `correct` (bool) or `score` (0..1)")
        return score

    @field_validator("answered_at", mode="after")
    @classmethod
    def _storable_time(cls, answered_at: datetime) -> datetime:
        try:
            utc = answered_at.astimezone(UTC)
        except OverflowError:
            raise ValueError("outside the range of dates that can be stored in UTC") from None
        if utc > datetime.now(UTC) + MAX_CLOCK_AHEAD:
            raise ValueError(f"more than {MAX_CLOCK_AHEAD.days} day ahead of the server's clock")
        if utc < EARLIEST_ANSWER:
            raise ValueError(f"before {EARLIEST_ANSWER:%Y}: not an answer time kgplatform can store exactly")
        if utc == EARLIEST_ANSWER:
            raise ValueError(EPOCH_PLACEHOLDER)
        return answered_at

    @property
    def outcome(self) -> float:
        """The answer's result as stored: 1.0/0.0 for right/wrong, or the partial score."""
        if self.score is not None:
            return float(self.score)
        return 1.0 if self.correct else 0.0

    @property
    def answered_at_utc(self) -> datetime:
        """Stored in UTC, so one instant written with two offsets is the same answer."""
        return self.answered_at.astimezone(UTC)


# Describes POST /answers' batch body in the OpenAPI document only: the route reads the rows one at a time
# (`parse_answer_rows`), so that a bad row is rejected with its reason while the others are stored.
class AnswerBatch(BaseModel):
    """A batch of answers; each row is accepted, a duplicate or rejected on its own (unless `atomic`)."""

    model_config = ConfigDict(extra="forbid")

    answers: list[AnswerIn] = Field(min_length=1, max_length=MAX_BATCH_SIZE)


class RejectedRow(BaseModel):
    """Why one row of a batch was not stored."""

    index: int = Field(description="Position of the row in the posted batch (0-based).")
    event_id: str | None = None
    field: str | None = Field(default=None, description="The offending field, when one is to blame.")
    reason: Literal["invalid", "unknown_task", "conflict", "erased"] = Field(
        description="invalid (malformed, `field` names what), unknown_task, conflict (the event_id is "
        "stored with other content) or erased (the event_id was an answer of an erased learner: not "
        "stored again; a new event_id is)."
    )
    message: str


class AnswerBatchResult(BaseModel):
    """Per-row outcome of one POST /answers: nothing in `accepted` or `duplicates` can be lost."""

    accepted: list[str] = Field(default_factory=list, description="event_ids stored by this request.")
    duplicates: list[str] = Field(
        default_factory=list, description="event_ids already stored with the same content (no change)."
    )
    rejected: list[RejectedRow] = Field(default_factory=list)
    learners_created: int = 0
    mastery_updated: int = Field(0, description="Learner-concept mastery values written.")
    # The learners whose whole stored history this request replayed (an answer not later than their stored
    # mastery, or mastery traced under another stamp): for `kgplatform ingest`'s summary, which an
    # in-file comparison cannot give (a file older than the graph replays every learner). Not in the API's
    # response or schema (a review, 6 December 2026). A private attribute, not a field with `exclude=True`:
    # FastAPI's OpenAPI build hid pydantic's warning about such a field inside `warnings.catch_warnings`,
    # which another thread's block could undo (docs/services.md, "The report and its picture").
    _replayed: list[str] = PrivateAttr(default_factory=list)

    @property
    def replayed(self) -> list[str]:
        return self._replayed


class ConceptMastery(BaseModel):
    """A learner's mastery of one concept, as the MASTERY relationship holds it."""

    concept_id: str
    p_mastery: float = Field(description="P(mastered) at `as_of` (the last practice or transfer).")
    p_now: float = Field(description="The same probability with forgetting applied up to the request.")
    attempts: int
    correct: float = Field(description="Sum of scores (the number right when answers are right/wrong).")
    last_practised: datetime | None
    as_of: datetime | None
    updated_at: datetime
    model_version: str


class LearnerMastery(BaseModel):
    learner_id: str
    as_of: datetime = Field(description="The moment `p_now` refers to.")
    concepts: list[ConceptMastery]


class ErasedLearner(BaseModel):
    """What `DELETE /learners/{id}` erased."""

    learner_id: str
    answers: int = Field(
        description="Answers erased. A digest of each one's event id is kept (nothing else): posting one "
        "again is rejected as `erased`, so a replay cannot re-create the learner; new event ids are stored"
    )
    mastery: int = Field(description="Concepts whose mastery was erased")
    plans: int = Field(description="Stored plans erased")
    redis_cleared: bool = Field(
        True,
        description="False: Redis was not reached, so the plan cached for this id stays until it expires (a "
        "week) or a repeated DELETE (answered 404) drops it",
    )


class LearnerSummary(BaseModel):
    learner_id: str
    answers: int = Field(description="Answers stored for the learner")
    last_answered_at: datetime | None = Field(
        None, description="When the learner's newest stored answer was given (UTC); null without answers"
    )


class LearnerList(BaseModel):
    """One page of `GET /learners`, in id order."""

    items: list[LearnerSummary]
    next_after: str | None = Field(
        description="Send as `after` for the next page; null on the last page (a full last page gives one "
        "more, empty, page)"
    )


class LearnerGoals(BaseModel):
    learner_id: str
    goals: list[str]


class LearnerInterests(BaseModel):
    learner_id: str
    interests: list[str]


class GoalsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    concept_ids: list[EntityRef] = Field(max_length=1000)


class InterestsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tags: list[Tag] = Field(max_length=200)


def parse_answer_rows(
    rows: list[Any], type_message: TypeMessage = json_type_message
) -> tuple[list[tuple[int, AnswerIn]], list[RejectedRow]]:
    """Validates each row on its own: (index, answer) for the good ones, a reason for each bad one."""
    good: list[tuple[int, AnswerIn]] = []
    bad: list[RejectedRow] = []
    for index, row in enumerate(rows):
        try:
            good.append((index, AnswerIn.model_validate(row)))
        except ValidationError as error:
            bad.append(_rejection(index, row, error, type_message))
    return good, bad


# How many of a rejected row's validation errors its message lists.
MAX_ROW_ERRORS = 5


def _rejection(index: int, row: Any, error: ValidationError, type_message: TypeMessage) -> RejectedRow:
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "row"  # no location: the row itself is no object
    event_id = row.get("event_id") if isinstance(row, dict) else None
    found = error.errors()
    # In the API's words (`kgplatform.api.problems`): a member of the wrong type says what was sent and
    # what to send, a validator's own words come without pydantic's "Value error, ".
    messages = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {error_message(e, type_message)}"
        for e in found[:MAX_ROW_ERRORS]
    )
    if len(found) > MAX_ROW_ERRORS:  # a row with thousands of unknown members is not echoed member by member
        messages += f"; and {len(found) - MAX_ROW_ERRORS:,} more"
    return RejectedRow(
        index=index,
        event_id=event_id if _echoable(event_id) else None,
        field=field,
        reason="invalid",
        message=messages,
    )


def _echoable(event_id: Any) -> bool:
    """A rejected row's event id is echoed back only when it is text the response can carry (a lone
    surrogate cannot be encoded) and of a sane size."""
    return isinstance(event_id, str) and len(event_id) <= MAX_ID_LENGTH and encodable(event_id)


# A report concept's status, one per concept (the report's lists of the same names partition its concepts):
# mastered now; known by implication (a mastered concept builds on it: the planner counts it as known);
# previously mastered (mastered at its last update, faded below the bar since); in progress; not started.
ReportStatus = Literal[
    "mastered", "known_by_implication", "previously_mastered", "in_progress", "not_started"
]


# A report spans every curriculum the learner works in, while a plan is made in one curriculum at a time:
# an app shows a review or a ready concept of another curriculum as "in your <curriculum> plan".
ConceptCurriculum = Annotated[
    str | None,
    Field(
        description="The concept's curriculum. A plan is made in one curriculum at a time (the one most of "
        "the learner's goals are in, else most of their practice; `GET /learners/{id}/next-tasks?"
        "curriculum_id=` chooses): a concept of another curriculum is in that curriculum's plan."
    ),
]


class ReportConcept(BaseModel):
    """One concept in a learner's feedback report."""

    concept_id: str
    name: str | None
    curriculum_id: ConceptCurriculum = None
    status: ReportStatus
    p_now: float = Field(description="P(mastered) now, forgetting applied (p_init when never practised).")
    p_mastery: float | None = Field(
        description="P(mastered) right after the learner's own last answer on it (transfer from related "
        "concepts since then is in `p_now`, not here); for a concept raised by transfer alone, after that; "
        "null if never."
    )
    attempts: int
    correct: float
    last_practised: datetime | None
    goal: bool
    implied_by: list[str] = Field(
        default_factory=list,
        description="For a concept known by implication: mastered concepts that build on it (at most 3).",
    )


class DecayingConcept(BaseModel):
    concept_id: str
    curriculum_id: ConceptCurriculum = None
    p_mastery: float
    p_now: float
    lost: float = Field(description="p_mastery - p_now: what was lost since the learner last answered on it.")
    days_since_practice: float | None
    needs_review: bool = Field(
        description="It was mastered at the last update and has decayed below the planner's review threshold."
    )
    was_mastered: bool = Field(
        default=False,
        description="p_mastery was at or above the mastery threshold: mastered at its last update.",
    )


class BlockingPrerequisite(BaseModel):
    concept_id: str
    curriculum_id: ConceptCurriculum = None
    p_now: float
    blocks: list[str] = Field(
        description="The targets (goals, or concepts in progress) it stands before: goals in prerequisite "
        "order, else the weakest concept in progress first; with `?blocks=N`, the first N of them."
    )
    blocks_total: int = Field(
        description="How many targets it stands before: `blocks` lists them all unless `?blocks=N` cut it."
    )
    ready: bool = Field(
        description="Its own prerequisites are good enough: the learner can start on it now (listed first)."
    )


class ReadyConcept(BaseModel):
    concept_id: str
    name: str | None
    curriculum_id: ConceptCurriculum = None
    interests: list[str] = Field(description="The learner's interests (tags) the concept carries.")


class FeedbackReport(BaseModel):
    """Strengths and weaknesses: what is mastered, in progress, blocking the goals, and fading.

    `mastered`, `known_by_implication`, `previously_mastered`, `in_progress` and `not_started` hold every
    concept of `concepts` exactly once (by its `status`)."""

    learner_id: str
    as_of: datetime
    mastery_threshold: float
    answered_concepts: int = Field(
        description="Concepts the learner has answered on: 0 means no evidence yet."
    )
    summary: list[str] = Field(description="The report in a few plain sentences, for a teacher.")
    goals: list[str]
    mastered: list[ReportConcept]
    known_by_implication: list[ReportConcept] = Field(
        description="Not mastered itself, but a mastered concept builds on it: known, as the planner "
        "counts it (`implied_by` names which)."
    )
    previously_mastered: list[ReportConcept] = Field(
        description="Mastered at the last update, faded below the mastery threshold since (lowest first)."
    )
    in_progress: list[ReportConcept]
    blocking_prerequisites: list[BlockingPrerequisite]
    decaying: list[DecayingConcept]
    not_started: list[str]
    ready_to_learn: list[ReadyConcept] = Field(
        description="Where the learner can work now (the planner's frontier: not known, every prerequisite "
        "good enough, some task practises it): on the way to a goal first, then those matching an interest."
    )
    consolidating: str | None = Field(
        None,
        description="Every goal looks met: the least mastered goal some task exercises, which the plan keeps "
        "in practice until new goals come (the planner's consolidate rule); null otherwise, and when no goal "
        "has tasks.",
    )
    totals: dict[str, int] | None = Field(
        None,
        description="Each list's whole length by name (mastered, known_by_implication, "
        "previously_mastered, in_progress, blocking_prerequisites, decaying, not_started, ready_to_learn): "
        "with `?items=N` each list holds only its first N entries.",
    )
    # Last: a client (and tests) may read the report's other members before this, the longest list.
    concepts: list[ReportConcept] = Field(description="Every concept shown, in prerequisite order.")
    # Stored answers that count for no concept (their tasks or concepts deleted since), counted only when no
    # concept records an attempt (`build_report`). Not in the JSON, where `summary` says it in words: the
    # picture's title names it too, where it said "no answers yet" beside that summary (a review, 5 December
    # 2026).
    _uncounted_answers: int = PrivateAttr(default=0)

    @property
    def uncounted_answers(self) -> int:
        return self._uncounted_answers
