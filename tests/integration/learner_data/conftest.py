"""The mastery tests' small curriculum (answers come in there); the API is tests/integration/conftest.py's."""

from tests.integration.mastery.conftest import curriculum  # noqa: F401
