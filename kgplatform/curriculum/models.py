"""Pydantic models of the curriculum: what the API accepts and returns, and what importers validate rows with.

Ids are free text (1..200 characters, not blank) because real curricula use ids with dots, spaces,
dashes and capitals (``Pythagorean_theorem``, ``spelling correction``); they are kept exactly as given.
So that two ids that look the same are the same id, and every id can be fetched by URL, an id may not
start or end with whitespace, hold control characters, be in another Unicode form than NFC, or have a
``.`` or ``..`` path segment (`well_formed_id`).
Input models forbid unknown fields, so a misspelt field is a 422 naming it rather than silently ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Generic, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from kgplatform.audit.cursor import NEXT_DOC

MAX_ID_LENGTH = 200
MAX_NAME_LENGTH = 500
MAX_DESCRIPTION_LENGTH = 20_000
MAX_TAG_LENGTH = 100
MAX_TAGS = 50
MAX_TASK_CONCEPTS = 100


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


# Characters that draw nothing (or look like a space) beyond the format ones (Cf): Unicode's
# default-ignorable code points of other categories (combining grapheme joiner, variation selectors,
# Hangul fillers, Khmer and Mongolian ones), the blank braille pattern, and every space but the ASCII one.
_INVISIBLE_NOT_FORMAT = frozenset(
    [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F, 0x2800, 0x3164, 0xFFA0]
    + list(range(0xFE00, 0xFE10))
    + list(range(0xE0100, 0xE01F0))
)


def invisible_character(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category == "Cf" or (category == "Zs" and ch != " ") or ord(ch) in _INVISIBLE_NOT_FORMAT


# Emoji for the rule of text that is read (`reads_as_written`): Unicode's Extended_Pictographic, which
# Python's unicodedata does not carry, as a superset that stays inside symbol blocks. The ranges cover
# every Extended_Pictographic code point (checked, 4 December 2026, against the `regex` module's property),
# merged across the symbols and unassigned code points between them; they hold no letter (but U+2139
# INFORMATION SOURCE, an emoji itself), digit, mark or format character, so a joiner or a variation
# selector next to one cannot change how a word is shaped or ordered (tests/unit/curriculum/test_emoji.py).
# Regional indicators (U+1F1E6..U+1F1FF) are left out: a country flag is two of them, nothing hidden.
_EMOJI_RANGES = (
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2194, 0x21AA),
    (0x231A, 0x231B),
    (0x2328, 0x2328),
    (0x23CF, 0x23FA),
    (0x24C2, 0x24C2),
    (0x25AA, 0x25FE),
    (0x2600, 0x2767),
    (0x2794, 0x27BF),
    (0x2934, 0x2935),
    (0x2B05, 0x2B55),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3297),
    (0x3299, 0x3299),
    (0x1F000, 0x1F0FF),
    (0x1F10D, 0x1F1E5),
    (0x1F200, 0x1FAFF),
    (0x1FC00, 0x1FFFD),
)
_EMOJI = "[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _EMOJI_RANGES) + "]"
# An emoji, with its presentation selector (U+FE0E text, U+FE0F emoji: "❤️") or a skin tone (U+1F3FB..F).
_EMOJI_ELEMENT = f"{_EMOJI}(?:[\ufe0e\ufe0f]|[\U0001f3fb-\U0001f3ff])?"
# The tags of a subdivision flag spell its id (UTS #51, CLDR's unicode_subdivision_id): a region, two letters
# or three digits, then one to four letters or digits, all lowercase. Any run of tags (U+E0020..U+E007E,
# printable ASCII drawn as nothing) let a name carry a hidden sentence behind one black flag.
_TAG_LETTER, _TAG_DIGIT = "[\U000e0061-\U000e007a]", "[\U000e0030-\U000e0039]"
_SUBDIVISION_TAGS = (
    f"(?:{_TAG_LETTER}{{2}}|{_TAG_DIGIT}{{3}})[\U000e0030-\U000e0039\U000e0061-\U000e007a]{{1,4}}"
)
# The sequences whose invisible characters draw (UTS #51): a subdivision flag (U+1F3F4, the id's tag
# characters, U+E007F CANCEL TAG: "🏴󠁧󠁢󠁳󠁣󠁴󠁿"), a keycap (0-9 # *, a selector, U+20E3: "1️⃣"; U+20E3 itself is a
# visible mark, let through anywhere as before), and emoji joined by U+200D ZERO WIDTH JOINER ("👩‍🏫").
EMOJI_SEQUENCE = re.compile(
    f"\U0001f3f4{_SUBDIVISION_TAGS}\U000e007f"
    "|[0-9#*][\ufe0e\ufe0f]\u20e3"
    f"|{_EMOJI_ELEMENT}(?:\u200d{_EMOJI_ELEMENT})*"
)


def _invisible_in(value: str, any_space: bool) -> set[str]:
    return {
        f"U+{ord(ch):04X}"
        for ch in value
        if invisible_character(ch) and not (any_space and unicodedata.category(ch) == "Zs")
    }


def refuse_hidden_characters(value: str, *, any_space: bool = False, emoji: bool = False) -> None:
    """Raises ValueError naming the control characters, else the invisible formatting ones, of `value`.
    Invisible format characters: a zero-width space made "learner-1\u200b" a second learner that prints as
    "learner-1", and a right-to-left override showed "ev-\u202eexe.txt" as "ev-txt.exe". `any_space`: a
    space other than the ASCII one (no-break, thin, ideographic) is let through, as in text that is read
    and never compared (names, descriptions: typeset text pasted from a document holds them). `emoji`: the
    joiners, selectors and tags inside well-formed emoji sequences (`EMOJI_SEQUENCE`) are let through, as
    in text that is read: "👩‍🏫 Ms Okafor's 7B" was refused for its U+200D. Anywhere else they are
    refused as before (a joiner between letters changes how Arabic or Indic text is shaped)."""
    controls = sorted({f"U+{ord(ch):04X}" for ch in value if unicodedata.category(ch) == "Cc"})
    if controls:
        raise ValueError(f"must not hold control characters ({', '.join(controls)})")
    invisible = _invisible_in(value, any_space)
    # Only text holding an invisible character is searched for emoji: the rest, nearly all, costs no more.
    if invisible and emoji:
        invisible = _invisible_in(EMOJI_SEQUENCE.sub("", value), any_space)
    if invisible:
        raise ValueError(f"must not hold invisible formatting characters ({', '.join(sorted(invisible))})")


def shows_as_written(value: str) -> str:
    """`refuse_hidden_characters` as a validator (`AfterValidator`): text that other people read back (a key's
    name in the audit, a learner's interest tags) holds no control or invisible formatting characters."""
    refuse_hidden_characters(value)
    return value


def well_formed_id(value: str) -> str:
    """Refuses ids that look like another id or cannot be fetched back: surrounding whitespace ("algebra "
    beside "algebra"), control and invisible formatting characters (zero-width space, bidi overrides), the
    replacement character (undecodable bytes), decomposed Unicode (NFD "é" beside NFC "é"), and ``.`` or
    ``..`` path segments (ids may hold '/', and browsers and HTTP clients resolve those segments, even
    percent-encoded, before a request leaves them)."""
    if value != value.strip():
        raise ValueError("must not start or end with whitespace")
    # Printable ASCII (nearly every id) holds no control character and is NFC already: the per-character
    # scan below cost ingestion about 3% (it validates a task id per answer).
    if not (value.isascii() and value.isprintable()):
        refuse_hidden_characters(value)
        # What a server makes of bytes that are not UTF-8 (a path percent-encoded in Latin-1: caf%E9 and
        # caf%E8 both arrive as "caf\ufffd", one learner for two).
        if "\ufffd" in value:
            raise ValueError(
                "must not hold U+FFFD, the replacement character: text that was not UTF-8 arrives as it "
                "(percent-encode ids as UTF-8)"
            )
        if not unicodedata.is_normalized("NFC", value):
            raise ValueError(
                f"must be in Unicode NFC form: use {unicodedata.normalize('NFC', value)!r}, which looks the "
                "same"
            )
    if "." in value and {".", ".."} & set(value.split("/")):
        raise ValueError("must not have '.' or '..' as a '/'-separated segment (a URL cannot address it)")
    return value


def _unique(values: list[str]) -> list[str]:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"repeats {repeated}")
    return values


# An id naming an entity that exists (a task's concepts, an edge's ends, an answer's task, a goal): only
# bounded and not blank, so what was stored before the stricter rule below stays reachable (a client
# re-sending acknowledged answers of such a task must still hear "duplicate", not "invalid").
EntityRef = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_ID_LENGTH),
    AfterValidator(_not_blank),
]
# Validation context of documents built from what the graph stores (the whole-curriculum read, the
# export): the rules for new ids and new text below are not applied to them, so an id or a name stored
# before a rule was added is read and exported as it is (one such id made both fail with a 500).
STORED = {"stored": True, "stored_text": True}
# Validation context of an import row that updates an entity its curriculum already holds: its id was
# stored before and is not held to the rules for new ids, but its name, description and tags are written
# anew, so they are held to the rules for new text.
STORED_ID = {"stored": True}


def rule_for_new_ids(rule: Callable[[str], str]) -> AfterValidator:
    """`rule` as a validator that lets through what is validated with the `STORED` or `STORED_ID` context."""

    def check(value: str, info: ValidationInfo) -> str:
        if info.context and info.context.get("stored"):
            return value
        return rule(value)

    return AfterValidator(check)


def rule_for_new_text(rule: Callable[[str], str]) -> AfterValidator:
    """`rule` as a validator that lets through what is validated with the `STORED` context (read back from
    the graph) alone: every write, an import row updating a stored entity included, is held to it."""

    def check(value: str, info: ValidationInfo) -> str:
        if info.context and info.context.get("stored_text"):
            return value
        return rule(value)

    return AfterValidator(check)


# Line breaks and tabs a description may hold (a paragraph, a list); every other control character is
# refused, as are invisible formatting ones.
_LAYOUT = str.maketrans("", "", "\t\n\r")


def reads_as_written(value: str) -> str:
    """`shows_as_written` for text that is read, not matched (a name, a title): any kind of space is let
    through (a French "Fractions\u00a0: bases" pasted from a document was refused), and so are emoji
    sequences ("❤️ Health": a heart and U+FE0F), which hold joiners, selectors and tags."""
    refuse_hidden_characters(value, any_space=True, emoji=True)
    return value


def reads_as_written_with_layout(value: str) -> str:
    """`reads_as_written` for longer text: "\n", "\r\n" and "\t" are let through too."""
    refuse_hidden_characters(value.translate(_LAYOUT), any_space=True, emoji=True)
    return value


# The id of a new entity: also well formed (`well_formed_id`).
EntityId = Annotated[EntityRef, rule_for_new_ids(well_formed_id)]
# Names, titles, descriptions and tags are read by learners and designers on the web page and in exports:
# a new one refuses control and invisible formatting characters as key names and new ids do (a
# right-to-left override showed a concept "\u202etxt.exe" as "exe.txt", a NUL travelled into every export;
# a review, s36), naming the field (`name`, `tags.1`). Descriptions keep their line breaks and tabs; names,
# titles and descriptions keep emoji sequences ("👩‍🏫", "❤️": read text), tags do not (they are matched
# against learners' interests, and "❤" beside "❤️" would be two tags that look alike). What
# was stored before the rule is read and exported as it is (`STORED`). The patterns are for the OpenAPI
# document only (the control characters, as learner ids have them); the validators say the rule in words.
# The rule of names, titles and class names in words, for the OpenAPI document.
READ_TEXT_RULE = (
    "No control or invisible formatting characters (zero-width space, bidi overrides) but those of emoji "
    "sequences (\U0001f469\u200d\U0001f3eb, \u2764\ufe0f, 1\ufe0f\u20e3, subdivision flags); any kind of "
    "space is fine."
)
TEXT_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
DESCRIPTION_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH),
    AfterValidator(_not_blank),
    rule_for_new_text(reads_as_written),
    Field(
        description=READ_TEXT_RULE,
        json_schema_extra={"pattern": TEXT_PATTERN},
    ),
]
Description = Annotated[
    str,
    StringConstraints(max_length=MAX_DESCRIPTION_LENGTH),
    rule_for_new_text(reads_as_written_with_layout),
    Field(
        description="Line breaks and tabs are kept; no other control or invisible formatting characters but "
        "those of emoji sequences, as in names.",
        json_schema_extra={"pattern": DESCRIPTION_PATTERN},
    ),
]
Tag = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_TAG_LENGTH),
    AfterValidator(_not_blank),
    rule_for_new_text(shows_as_written),
    Field(
        description="No control or invisible formatting characters (zero-width space, bidi overrides).",
        json_schema_extra={"pattern": TEXT_PATTERN},
    ),
]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS), AfterValidator(_unique)]
# Strict, as the answers' `correct` and `score`: a JSON number, never a string ("0.8") or a boolean (true
# read as 1.0), and whole minutes as a JSON integer (12.0 was read as 12). Lax mode took all of these
# silently (a review, 6 December 2026). A CSV import's cells are text: it validates with strict=False.
Difficulty = Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)]
Weight = Annotated[float, Field(strict=True, ge=0.0, le=1_000_000.0, allow_inf_nan=False)]
EstimatedMinutes = Annotated[int, Field(strict=True, ge=1, le=600)]
TaskConcepts = Annotated[
    list[EntityRef], Field(min_length=1, max_length=MAX_TASK_CONCEPTS), AfterValidator(_unique)
]

DEFAULT_WEIGHT = 1.0
T = TypeVar("T")
# A task whose author gives no figures is taken as medium and short; planners need numbers, not nulls.
DEFAULT_TASK_DIFFICULTY = 0.5
DEFAULT_TASK_MINUTES = 10


class TaskKind(StrEnum):
    EXERCISE = "exercise"
    QUIZ = "quiz"
    READING = "reading"
    VIDEO = "video"
    PROJECT = "project"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Output(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- curricula ---------------------------------------------------------------------------------


# The routes read /curricula/ID/audit (export, import, concepts, tasks), /concepts/ID/audit
# (neighbourhood) and /tasks/ID/audit as actions on ID. Ids may hold '/', so an id ending in one of those
# would be read as the action on the id before it, and could be created but never fetched: refused.
CURRICULUM_ROUTE_ACTIONS = frozenset({"audit", "export", "import", "concepts", "tasks"})
CONCEPT_ROUTE_ACTIONS = frozenset({"audit", "neighbourhood"})
TASK_ROUTE_ACTIONS = frozenset({"audit"})


def _not_ending_in(actions: frozenset[str], route: str) -> AfterValidator:
    def check(value: str) -> str:
        last = value.rsplit("/", 1)[1] if "/" in value else None
        if last in actions:
            raise ValueError(
                f"must not end in '/{last}' (the API reads {route}/ID/{last} as an action on ID)"
            )
        return value

    return rule_for_new_ids(check)


CurriculumId = Annotated[EntityId, _not_ending_in(CURRICULUM_ROUTE_ACTIONS, "/curricula")]
ConceptId = Annotated[EntityId, _not_ending_in(CONCEPT_ROUTE_ACTIONS, "/concepts")]
TaskId = Annotated[EntityId, _not_ending_in(TASK_ROUTE_ACTIONS, "/tasks")]


class CurriculumIn(_Input):
    id: CurriculumId
    name: Name
    description: Description = ""


class Curriculum(_Output):
    id: str
    name: str
    description: str
    created_at: datetime
    updated_at: datetime


# --- concepts ----------------------------------------------------------------------------------


class ConceptBody(_Input):
    """Everything about a concept a designer sets; the body of a full replacement (PUT)."""

    name: Name
    description: Description = ""
    tags: Tags = Field(default_factory=list)
    difficulty: Difficulty | None = None


class ConceptIn(ConceptBody):
    """A new concept (POST) or one concept row of an import."""

    id: ConceptId


def without_null(schema: dict[str, Any], keep: frozenset[str] = frozenset()) -> None:
    """A model's JSON schema without the null (and the null default) its members' Python type allows, but
    for the members in `keep`: the API refuses null where None is only the Python default of a member that
    may be left out."""
    for name, member in schema.get("properties", {}).items():
        if name in keep:
            continue
        member.pop("default", None)
        branches = member.pop("anyOf", None)
        if branches is not None:
            member.update(next(branch for branch in branches if branch.get("type") != "null"))


def _patch_schema(schema: dict[str, Any], model: type[_Patch]) -> None:
    """What the validators of a patch refuse, said in its JSON schema: no null but `NULLABLE`'s, and at
    least one member (fuzzed from the document, `{}` and `{"name": null}` were most of PATCH's 422s)."""
    without_null(schema, model.NULLABLE)
    schema["minProperties"] = 1


class _Patch(_Input):
    """A partial update (PATCH): only the fields sent change, at least one is sent, and none is null but
    those `NULLABLE` names (null clears them). Concepts' and tasks' patches each spelled these rules until
    5 December 2026."""

    model_config = ConfigDict(json_schema_extra=_patch_schema)  # type: ignore[typeddict-item]

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    # A field validator, not the model's: its error is located at the field, so the problem's `field` names
    # it (a model validator's said `body`, a review, s30), one error per null field. Not run on omitted
    # fields (their default).
    @field_validator("*")
    @classmethod
    def _not_null(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError(f"{info.field_name} cannot be null (omit it to keep it)")
        return value

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("a patch must change at least one field")
        return self

    def changes(self) -> dict[str, object]:
        """The fields the client sent, with their new values (enums as their strings)."""
        return self.model_dump(mode="json", include=self.model_fields_set)


class ConceptPatch(_Patch):
    """A partial update: only the fields present change; `difficulty: null` clears it."""

    NULLABLE = frozenset({"difficulty"})

    name: Name | None = None
    description: Description | None = None
    tags: Tags | None = None
    difficulty: Difficulty | None = None


class Concept(_Output):
    id: str
    curriculum_id: str
    name: str
    description: str
    tags: list[str]
    difficulty: float | None
    version: int
    created_at: datetime
    updated_at: datetime


# --- prerequisites -----------------------------------------------------------------------------


class PrerequisiteIn(_Input):
    """`prerequisite` is learnt before `concept`: (prerequisite)-[:PREREQUISITE_OF]->(concept)."""

    prerequisite: EntityRef
    concept: Annotated[EntityRef, Field(description="Another concept than `prerequisite` (no self-loop).")]
    weight: Weight = DEFAULT_WEIGHT

    @field_validator("concept")
    @classmethod
    def _no_self_loop(cls, concept: str, info: ValidationInfo) -> str:
        if info.data.get("prerequisite") == concept:
            raise ValueError(f"self-loop: concept {concept!r} cannot be its own prerequisite")
        return concept


class PrerequisiteWeight(_Input):
    """The body of a weight change (PATCH /prerequisites?prerequisite=&concept=)."""

    weight: Weight


class Prerequisite(_Output):
    prerequisite: str
    concept: str
    weight: float
    created_at: datetime


# --- tasks -------------------------------------------------------------------------------------


class TaskBody(_Input):
    """Everything about a task a designer sets; the body of a full replacement (PUT)."""

    title: Name
    kind: TaskKind
    difficulty: Difficulty = DEFAULT_TASK_DIFFICULTY
    estimated_minutes: EstimatedMinutes = DEFAULT_TASK_MINUTES
    concepts: TaskConcepts


class TaskIn(TaskBody):
    """A new task (POST) or one task row of an import."""

    id: TaskId


class TaskPatch(_Patch):
    """A partial update; `concepts`, when given, replaces the whole set (still at least one)."""

    title: Name | None = None
    kind: TaskKind | None = None
    difficulty: Difficulty | None = None
    estimated_minutes: EstimatedMinutes | None = None
    concepts: TaskConcepts | None = None


class Task(_Output):
    id: str
    curriculum_id: str
    title: str
    kind: TaskKind
    difficulty: float
    estimated_minutes: int
    concepts: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


# --- audit -------------------------------------------------------------------------------------


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    IMPORT = "import"


class EntityType(StrEnum):
    CONCEPT = "concept"
    PREREQUISITE = "prerequisite"
    TASK = "task"
    CURRICULUM = "curriculum"


class AuditEntry(_Output):
    id: str
    at: datetime
    actor: str
    action: AuditAction
    entity_type: EntityType
    entity_id: str
    curriculum_id: str | None
    old: dict[str, object] | None
    new: dict[str, object] | None
    # A prerequisite edge's ends (learn `prerequisite` before `concept`); null for other entries. Its old and
    # new hold only the weight, so without them a reader had to parse `entity_id` to find the concepts.
    prerequisite: str | None = None
    concept: str | None = None


class AuditFilter(BaseModel):
    """Which entries of a trail to list: all given conditions hold (none given: the whole trail). Times
    are inclusive bounds on `at`, with a time zone."""

    model_config = ConfigDict(frozen=True)

    actor: str | None = None
    action: AuditAction | None = None
    entity_type: EntityType | None = None
    since: datetime | None = None
    until: datetime | None = None


class Page(_Output, Generic[T]):
    """One page of a longer list: `total` counts every match, not just this page."""

    items: list[T]
    total: int
    limit: int
    offset: int


class AuditArchived(_Output):
    """Entries of this trail stamped before `before` were moved to a file by `kgplatform audit archive`
    (the last run at `archived_at`; `entries` in all, of the trail's curricula): the trail listed does not
    begin with the curriculum."""

    before: datetime
    archived_at: datetime
    entries: int


# Said of `archived` in the key and roster trails' answers (kgplatform/auth, kgplatform/classes).
ARCHIVED_DOC = (
    "Null when nothing of this trail was archived; else entries before `before` were moved to a file by "
    "`kgplatform audit archive` (`archived_at`: its last run; `entries`: how many in all), so the trail "
    "does not begin with the first change"
)


class AuditPage(Page[AuditEntry]):
    """A page of an audit trail; `archived` is null when nothing of it was archived."""

    # Null on a page read by `cursor`: its place in the trail is the cursor's, not a count of entries.
    offset: int | None = Field(description="Entries skipped; null on a page read by `cursor`")  # type: ignore[assignment]
    next: str | None = Field(None, description=NEXT_DOC)
    archived: AuditArchived | None = None


# --- answers that are not entities -------------------------------------------------------------


class CurriculumSummary(Curriculum):
    concepts: int


class Direction(StrEnum):
    PREREQUISITES = "prerequisites"
    DEPENDANTS = "dependants"
    BOTH = "both"


class NeighbourNode(_Output):
    id: str
    name: str | None
    # 0 for the concept asked about, -n for a prerequisite n steps before it, +n for a dependant n after.
    distance: int


class Edge(_Output):
    prerequisite: str
    concept: str
    weight: float | None


class NeighbourEdge(Edge):
    """An edge as the neighbourhood shows it, with the ETag a weight change or removal of it sends."""

    etag: str


class Neighbourhood(_Output):
    concept: str
    depth: int
    nodes: list[NeighbourNode]
    edges: list[NeighbourEdge]


class ConceptDeletionReport(_Output):
    """What a delete removed: the concept and, with it, its edges, the tasks left without a concept, and
    learners' data about it (the goals that named it, their mastery values of it)."""

    deleted: str
    cascade: bool
    removed_prerequisites: list[Edge]
    deleted_tasks: list[str]
    updated_tasks: list[str]
    learners_with_goal: int
    mastery_values_removed: int
