"""Path parameters shared by several routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator

from kgplatform.classes.models import CLASS_ID_PATTERN, class_id_characters
from kgplatform.curriculum.models import well_formed_id
from kgplatform.mastery.models import LEARNER_ID_PATTERN, MAX_ID_LENGTH, learner_id_characters

# The rule POST /answers applies to learner ids: goals and interests create learners too, and a learner
# created here must be one that answers can reach.
LearnerId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_ID_LENGTH,
        description="The learner's id (no whitespace, '/' or control characters, Unicode NFC).",
        # The pattern for the OpenAPI document only: checked by `learner_id_characters`, whose refusal is
        # in words rather than pydantic's quoted regex.
        json_schema_extra={"pattern": LEARNER_ID_PATTERN},
    ),
    AfterValidator(learner_id_characters),
    AfterValidator(well_formed_id),
]

# A class's id: the rule of learner ids, as a class id is a path segment too (and a key's scope names it).
ClassId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_ID_LENGTH,
        description="The class's id (no whitespace, '/' or control characters, Unicode NFC).",
        json_schema_extra={"pattern": CLASS_ID_PATTERN},
    ),
    AfterValidator(class_id_characters),
    AfterValidator(well_formed_id),
]

# A curriculum's, concept's or task's id (an API key's too) in a path: no stored one is longer, so a longer
# one is a 422 naming the parameter, before a query runs with it or a 404 repeats it (a 65,000-character
# id, near what uvicorn reads in a request line, was sent to Neo4j and answered back whole, a review,
# 3 December). Other characters are not checked: ids stored before the id rule are read as they are.
EntityId = Annotated[str, Path(min_length=1, max_length=MAX_ID_LENGTH)]
