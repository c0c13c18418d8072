from pathlib import Path

import pytest

from kgplatform.settings import get_settings
from tests.shared_data import skip_without_data


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared datasets folder; tests that read it skip, saying where it was looked for, when absent."""
    root = get_settings().paths.shared_data_dir
    if not root.is_dir():
        skip_without_data(f"shared datasets not found at {root} (set KGP_PATHS__SHARED_DATA_DIR)")
    return root


def require(root: Path, folder: str) -> None:
    if not (root / folder).is_dir():
        skip_without_data(f"dataset {folder} not found under {root}")
