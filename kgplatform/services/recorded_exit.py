"""`python -m kgplatform.services.recorded_exit FILE COMMAND...`: runs COMMAND and writes its exit status to
FILE once it ends, then exits with it.

A restore's `neo4j-admin database load` is run through it, in a session of its own: a restore frozen (Ctrl-Z,
SIGSTOP) or killed after the load ended but before it removed `neo4j-load.json` could not say that the load
had ended, and was taken for one cut short (`services up` refused a whole database). This process is not
frozen with the restore, so the load's end is written the moment it comes. It dies with the restore (the
caller's `dying_with_parent`) and the command dies with it: killed before it wrote, it leaves no status, and
the load reads as cut short, as before.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kgplatform.files import write_text_atomically
from kgplatform.services.processes import dying_with_parent


def main(argv: list[str]) -> int:
    record, *command = argv
    code = subprocess.run(command, check=False, preexec_fn=dying_with_parent()).returncode
    write_text_atomically(Path(record), str(code))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
