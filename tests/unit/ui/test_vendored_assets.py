"""The committed graph library is the one ui/package-lock.json pins, and the page's modules resolve."""

from __future__ import annotations

import json
import re

from kgplatform.api.app import UI_DIR
from kgplatform.settings import PROJECT_ROOT


def test_vendored_cytoscape_is_the_locked_version() -> None:
    lock = json.loads((PROJECT_ROOT / "ui" / "package-lock.json").read_text("utf-8"))
    locked = lock["packages"]["node_modules/cytoscape"]["version"]
    vendored = (UI_DIR / "vendor" / "VERSIONS.txt").read_text("utf-8")
    assert vendored.startswith(f"cytoscape {locked} "), (locked, vendored)
    build = (UI_DIR / "vendor" / "cytoscape.esm.min.js").read_text("utf-8")
    assert f'version="{locked}"' in build and build.rstrip().endswith("export{lf as default};")


def test_every_relative_import_of_the_page_exists() -> None:
    modules = sorted(UI_DIR.glob("*.js"))
    assert {m.name for m in modules} >= {"app.js", "api.js", "dom.js", "graph.js"}
    for module in modules:
        for target in re.findall(r"""^import .* from '(\./[^']+)';$""", module.read_text("utf-8"), re.M):
            assert (UI_DIR / target).is_file(), f"{module.name} imports missing {target}"
