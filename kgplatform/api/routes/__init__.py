"""The API's routers. Importing any of them first registers the `id` convertor their templates use:
`{concept_id:id}` takes the whole rest of the path as the id.

Ids may hold '/', so they took Starlette's `path` convertor, which is `.*` under a final `$`: `.` stops at
a newline and `$` matches before a final one, so GET /concepts/c1%0A ran on the concept 'c1' (its ETag then
let a PUT or DELETE of "c1\\n" change 'c1'), and an id with a newline inside matched no route (a 404 naming
no field). Taken whole, such an id is looked up as it is and not found, or refused by the id rules where
one is created. A convertor of its own name rather than `path` redefined: Starlette's registry is the
process's, and its `path` stays as it is for the page's static files and anything else.
"""

from __future__ import annotations

from starlette.convertors import PathConvertor, register_url_convertor


class WholeIdConvertor(PathConvertor):
    """`path`, newlines included (a route is compiled when its module is imported, after this one)."""

    regex = r"[\s\S]*"


register_url_convertor("id", WholeIdConvertor())
