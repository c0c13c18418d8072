"""The API's routers. Importing any of them first makes `{name:path}` take the whole rest of the path.

Starlette's `path` convertor is `.*` under a final `$`: `.` stops at a newline and `$` matches before a
final one, so GET /concepts/c1%0A ran on the concept 'c1' (its ETag then let a PUT or DELETE of
"c1\\n" change 'c1'), and an id with a newline inside matched no route (a 404 naming no field). Ids may
hold '/', so the routes keep `path`; taken whole, such an id is looked up as it is and not found, or
refused by the id rules where one is created.
"""

from __future__ import annotations

from starlette.convertors import PathConvertor, register_url_convertor


class WholePathConvertor(PathConvertor):
    """`path`, newlines included (the routes are compiled when their modules are imported, after this)."""

    regex = r"[\s\S]*"


register_url_convertor("path", WholePathConvertor())
