"""LectureBank 2.0: 322 NLP/ML topics with hand-annotated prerequisite labels.

Format (see its PROVENANCE.md): `322topics_final.tsv` is `id|name` (pipe-separated despite the
name); `final_new_annotation.csv` is `source_id,target_id,label` with label 1 meaning source is a
prerequisite of target. Two topic names occur under two ids each, so topics are keyed by id; the
positive graph holds three 2-cycles, which the import report names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kgplatform.curriculum.importers.common import (
    Row,
    csv_records,
    damaged,
    dataset_dir,
    dataset_file,
    reading_tasks,
)
from kgplatform.curriculum.io import RawDocument

FOLDER = "lecturebank2"
TOPICS = "322topics_final.tsv"
ANNOTATIONS = "final_new_annotation.csv"
CURRICULUM_ID = "lecturebank"
ID_PREFIX = "lecturebank:"
READING_MINUTES = 30


@dataclass(frozen=True)
class LectureBankSource:
    topics: int
    pairs: int
    positives: int
    duplicate_names: dict[str, list[str]]


def read_lecturebank(
    root: Path | None = None, *, prefix: str = ID_PREFIX, with_tasks: bool = True
) -> tuple[RawDocument, LectureBankSource]:
    folder = dataset_dir(FOLDER, root)
    topics = _read_topics(dataset_file(folder, TOPICS))
    labelled = csv_records(dataset_file(folder, ANNOTATIONS), 3)
    positives = [(s.strip(), t.strip()) for s, t, label in labelled if label.strip() == "1"]

    by_name: dict[str, list[str]] = {}
    for topic_id, name in topics.items():
        by_name.setdefault(name, []).append(topic_id)
    duplicates = {name: ids for name, ids in by_name.items() if len(ids) > 1}

    concepts: list[Row] = [
        {
            "id": prefix + topic_id,
            "name": name,
            "tags": ["nlp"],
            "description": f"LectureBank topic {topic_id}"
            + (
                f" (the name is shared with {'topic' if len(by_name[name]) == 2 else 'topics'} "
                f"{', '.join(i for i in by_name[name] if i != topic_id)})"
                if name in duplicates
                else ""
            ),
        }
        for topic_id, name in topics.items()
    ]
    prerequisites = [{"prerequisite": prefix + s, "concept": prefix + t} for s, t in positives]
    source = LectureBankSource(len(topics), len(labelled), len(positives), duplicates)
    notes = [
        f"{source.topics} topics, {source.pairs} labelled pairs, {source.positives} positive",
        "topics keyed by id; names under two ids: "
        + "; ".join(f"{name!r} ({', '.join(ids)})" for name, ids in sorted(duplicates.items())),
    ]
    curriculum = {
        "id": CURRICULUM_ID,
        "name": "LectureBank 2.0 NLP topics",
        "description": "Hand-annotated prerequisite relations between 322 NLP and ML topics (Li et al., "
        "COLING 2020). Research use only.",
    }
    tasks = reading_tasks(concepts, prefix, READING_MINUTES) if with_tasks else []
    return RawDocument(curriculum, concepts, prerequisites, tasks, notes=notes), source


def _read_topics(path: Path) -> dict[str, str]:
    """`id|name` lines by id; a line without `|` is a damaged file, not a topic."""
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as error:
        raise damaged(path, None, f"not UTF-8: {error}") from None
    topics: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if "|" not in line:
            raise damaged(path, number, "expected id|name, found no '|'")
        topic_id, name = line.split("|", 1)
        topics[topic_id.strip()] = name.strip()
    return topics
