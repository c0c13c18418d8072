"""The mastery tests' fixtures (a small curriculum, the API on the real app): answers come in there."""

from tests.integration.mastery.conftest import api, curriculum  # noqa: F401
