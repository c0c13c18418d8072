"""The dataset names the CLI accepts, each read into one or more import documents."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kgplatform.curriculum.importers.al_cpl import DOMAINS, read_al_cpl
from kgplatform.curriculum.importers.junyi import read_junyi
from kgplatform.curriculum.importers.lecturebank import read_lecturebank
from kgplatform.curriculum.io import RawDocument
from kgplatform.errors import ValidationFailed

DATASETS = ("junyi", "al-cpl", "lecturebank")


def read_dataset(
    name: str, root: Path | None = None, *, reduce: bool = False, domains: Sequence[str] = DOMAINS
) -> list[RawDocument]:
    """Import documents for `name` (AL-CPL gives one per domain; `reduce` applies to it only)."""
    if name == "junyi":
        return [read_junyi(root)[0]]
    if name == "lecturebank":
        return [read_lecturebank(root)[0]]
    if name == "al-cpl":
        return [read_al_cpl(domain, root, reduce=reduce)[0] for domain in domains]
    raise ValidationFailed(f"unknown dataset {name!r}; one of {', '.join(DATASETS)}", field="dataset")
