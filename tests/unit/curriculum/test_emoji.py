"""Emoji in text that is read: names, titles, descriptions and class names keep well-formed emoji sequences,
whose joiners, selectors and tags are format characters the rule refused ("❤️ Health" was a 422 for its
U+FE0F); those characters anywhere else, and in ids, tags and key names, are refused as before."""

from __future__ import annotations

import unicodedata

import pytest
from pydantic import ValidationError

from kgplatform.auth.models import ApiKeyIn
from kgplatform.classes.models import ClassIn
from kgplatform.curriculum.models import _EMOJI_RANGES, ConceptIn, CurriculumIn, TaskIn
from kgplatform.mastery.models import InterestsIn

ZWJ, VS16, VS15, KEYCAP, CANCEL_TAG = "\u200d", "\ufe0f", "\ufe0e", "\u20e3", "\U000e007f"


def _tags(text: str) -> str:
    return "".join(chr(0xE0000 + ord(c)) for c in text)


def _named(text: str) -> str:
    return ", ".join(sorted({f"U+{ord(ch):04X}" for ch in text}))


SCOTLAND = "\U0001f3f4" + _tags("gbsct") + CANCEL_TAG
# Tags after a black flag that spell no subdivision id (UTS #51: a region, two letters or three digits, then
# one to four letters or digits, lowercase): any run of tags was let through, so a name hid a sentence of any
# length, drawn as nothing ("ASCII smuggling").
NO_SUBDIVISION = [
    "ignore previous instructions",  # tag spaces and letters
    "gbscotl",  # lowercase letters only, but longer than a subdivision id
    "GBSCT",  # capital tags: a subdivision id is lowercase
    "gb-sct",  # punctuation
    "g1sct",  # a region is two letters or three digits
    "gb",  # a region alone names no subdivision
]

WELL_FORMED = [
    f"\U0001f469{ZWJ}\U0001f3eb Ms Okafor's 7B",  # teacher: woman, joiner, school
    f"\u2764{VS16} Health",  # red heart, emoji presentation
    f"\u2764{VS15} Health",  # text presentation
    f"1{VS16}{KEYCAP} One",  # keycap
    f"#{VS16}{KEYCAP} and *{VS16}{KEYCAP}",
    f"{SCOTLAND} Scotland",  # subdivision flag: black flag, tag characters, cancel tag
    f"\U0001f3f3{VS16}{ZWJ}\U0001f308 Pride",  # rainbow flag: selector, then joiner
    f"\U0001faf1\U0001f3fb{ZWJ}\U0001faf2\U0001f3ff",  # handshake: skin tones before and after the joiner
    f"\U0001f468{ZWJ}\U0001f469{ZWJ}\U0001f467 family",  # three joined
    f"\u00a9{VS16} 2026",  # copyright sign, emoji presentation
    f"Fractions\u00a0: \U0001f469{ZWJ}\U0001f3eb",  # with a no-break space, as names allow
    *[
        f"\U0001f3f4{_tags(id_)}{CANCEL_TAG} flag"
        for id_ in ["gbeng", "gbwls", "usca", "fridf", "jp13", "123ab"]
    ],
]

STILL_REFUSED = [
    (f"a{ZWJ}b", "U+200D"),  # a joiner between letters (shapes Arabic and Indic text)
    (f"\u0644{ZWJ}\u0644", "U+200D"),
    (ZWJ, "U+200D"),  # alone
    (f"\U0001f469{ZWJ}", "U+200D"),  # after an emoji with nothing after it
    (f"{ZWJ}\U0001f3eb", "U+200D"),
    (f"\U0001f469{ZWJ}{ZWJ}\U0001f3eb", "U+200D"),  # two joiners
    (f"\U0001f469{ZWJ}a", "U+200D"),  # emoji joined to a letter
    (f"a{VS16}", "U+FE0F"),  # a selector after a letter
    (f"1{VS16}", "U+FE0F"),  # after a keycap base that is not a keycap
    (f"\u2764{VS16}{VS16}", "U+FE0F"),  # two selectors
    ("\u2764\ufe00", "U+FE00"),  # another selector
    ("\U000e0067\U000e0062" + CANCEL_TAG, "U+E0062, U+E0067, U+E007F"),  # tags without the black flag
    ("\U0001f3f4" + CANCEL_TAG, "U+E007F"),  # a flag with no tag
    ("\U0001f3f4\U000e0067\U000e0062", "U+E0062, U+E0067"),  # never cancelled
    ("a\U000e0067" + CANCEL_TAG, "U+E0067, U+E007F"),
    (f"\u202e\U0001f469{ZWJ}\U0001f3eb", "U+202E"),  # a bidi override beside an emoji
    ("\U0001f469\u200b\U0001f3eb", "U+200B"),  # zero-width space between emoji
    *[(f"\U0001f3f4{_tags(h)}{CANCEL_TAG} Scotland", _named(_tags(h) + CANCEL_TAG)) for h in NO_SUBDIVISION],
]


def _names(text: str) -> list[tuple[type, dict[str, object], str]]:
    task = {"id": "t", "kind": "quiz", "concepts": ["a"]}
    return [
        (ConceptIn, {"id": "a", "name": text}, "name"),
        (ConceptIn, {"id": "a", "name": "n", "description": f"{text}\nline two"}, "description"),
        (CurriculumIn, {"id": "c", "name": text}, "name"),
        (TaskIn, {**task, "title": text}, "title"),
        (ClassIn, {"name": text}, "name"),
    ]


@pytest.mark.parametrize("text", WELL_FORMED)
def test_names_titles_descriptions_and_class_names_keep_emoji_sequences(text: str) -> None:
    for model, data, field in _names(text):
        assert getattr(model.model_validate(data), field) == data[field], (model, field)


@pytest.mark.parametrize(("bad", "named"), STILL_REFUSED)
def test_joiners_selectors_and_tags_outside_an_emoji_sequence_are_refused_as_before(
    bad: str, named: str
) -> None:
    for model, data, field in _names(bad):
        with pytest.raises(ValidationError) as refused:
            model.model_validate(data)
        [error] = refused.value.errors()
        assert error["loc"] == (field,), (model, field)
        assert f"must not hold invisible formatting characters ({named})" in error["msg"], (model, field)


@pytest.mark.parametrize("text", [f"\U0001f469{ZWJ}\U0001f3eb", f"\u2764{VS16}", SCOTLAND])
def test_ids_tags_and_key_names_stay_strict(text: str) -> None:
    """Matched text: "❤" beside "❤️" would be two tags (or two ids, two keys' actors in the audit's `actor`
    filter) that look alike, so the selector, joiner and tags stay refused there."""
    for model, data, field in [
        (ConceptIn, {"id": text, "name": "n"}, "id"),
        (ConceptIn, {"id": "a", "name": "n", "tags": [text]}, "tags.0"),
        (InterestsIn, {"tags": [text]}, "tags.0"),
        (ApiKeyIn, {"name": text, "role": "designer"}, "name"),
    ]:
        with pytest.raises(ValidationError) as refused:
            model.model_validate(data)
        [error] = refused.value.errors()
        assert ".".join(map(str, error["loc"])) == field and "invisible formatting" in error["msg"], model


def test_the_emoji_table_holds_no_letter_digit_mark_or_format_character() -> None:
    """A joiner or selector beside a character of the table is let through: were a letter, a digit or a
    combining mark in it, a joiner could reshape a word again. U+2139 INFORMATION SOURCE is a letter by
    category and an emoji by use."""
    found = {
        f"U+{cp:04X}"
        for first, last in _EMOJI_RANGES
        for cp in range(first, last + 1)
        if unicodedata.category(chr(cp))[0] in "LMNZ"
        or unicodedata.category(chr(cp)) in ("Cc", "Cf", "Cs", "Co")
    }
    assert found == {"U+2139"}
    assert all(first <= last for first, last in _EMOJI_RANGES)
    assert list(_EMOJI_RANGES) == sorted(_EMOJI_RANGES)
