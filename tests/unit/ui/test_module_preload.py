"""index.html names every module app.js imports, directly or through others, as a modulepreload: the
browser then asks for them all at once instead of one import level per round trip (on a slow network the
sign-in form waited for six levels of them)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from kgplatform.api.app import UI_DIR

# `import x from './a.js'`, `import { ... } from './a.js'` over several lines, `export { y } from './a.js'`.
RELATIVE_IMPORT = re.compile(r"""\bfrom\s+'(\./[^']+)'|^import\s+'(\./[^']+)'""", re.M)
PRELOAD = re.compile(r"""<link rel="modulepreload" href="([^"]+)">""")


def imports_of(module: PurePosixPath) -> set[PurePosixPath]:
    text = (UI_DIR / module).read_text("utf-8")
    return {
        PurePosixPath(str(module.parent / (a or b)).removeprefix("./"))
        for a, b in RELATIVE_IMPORT.findall(text)
    }


def module_closure(entry: PurePosixPath) -> set[PurePosixPath]:
    seen: set[PurePosixPath] = set()
    todo = [entry]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(imports_of(module) - seen)
    return seen


def test_the_closure_reads_multi_line_imports() -> None:
    # curriculum.js imports dom.js in a `{ ... }` spread over lines; the vendored library through graph.js.
    closure = module_closure(PurePosixPath("app.js"))
    assert PurePosixPath("dom.js") in imports_of(PurePosixPath("curriculum.js"))
    assert PurePosixPath("vendor/cytoscape.esm.min.js") in closure


def test_index_preloads_exactly_the_modules_app_js_needs() -> None:
    page = (UI_DIR / "index.html").read_text("utf-8")
    preloaded = [PurePosixPath(href) for href in PRELOAD.findall(page)]
    needed = module_closure(PurePosixPath("app.js")) - {PurePosixPath("app.js")}
    assert len(preloaded) == len(set(preloaded)), "a module is preloaded twice"
    missing, unused = needed - set(preloaded), set(preloaded) - needed
    assert not missing, f"index.html does not preload {sorted(map(str, missing))}"
    assert not unused, f"index.html preloads modules nothing imports: {sorted(map(str, unused))}"
    # After the entry script: the browser finds them while it parses <head>.
    assert page.index('<script type="module" src="app.js">') < page.index('rel="modulepreload"')
