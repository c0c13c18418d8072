"""Files that a killed process must never leave half-written (checkpoints, pointers, caches)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


def write_atomically(
    path: Path,
    write: Callable[[IO[bytes]], None],
    *,
    private: bool = False,
    copy: Path | None = None,
    replace_if: Callable[[], bool] = lambda: True,
) -> None:
    """`write` fills a temporary file in `path`'s folder, which then replaces `path` in one rename: a reader,
    or a process killed mid-write, sees the old file or the new one, never a truncated one. The file and
    then its folder are synced, so after a power loss too. `private`: readable by its owner only (a
    learner's personal data), from its first byte. `copy`: the temporary file's name, fixed rather than
    random, for a writer that holds its folder's lock and whose re-run should overwrite what a killed run
    left rather than add a file beside it. `replace_if()`, asked once `write` is done: False drops the copy
    and leaves `path` as it was (nothing new to write)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if copy is None:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
        temporary = Path(name)
    else:
        temporary = copy
        handle = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        # Owner-only when private; else the mode a plain open() would give (the umask's), so a worker or CLI
        # running as another user can still read a shared models folder. Set either way: a fixed `copy` left
        # by a killed run keeps its old mode through O_CREAT, and a private file came out readable by all.
        os.fchmod(handle, 0o600 if private else 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        if not replace_if():
            temporary.unlink()
            return
        os.replace(temporary, path)
    except BaseException as error:
        # A full disk (or Ctrl-C) mid-write: the half-written copy would hold the space the operator must
        # free before trying again, and it is worth nothing.
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.filename is None:
            # A write's OSError names no file: the caller's message would not say which one failed.
            raise OSError(error.errno, error.strerror, str(temporary)) from error
        raise
    sync_folder(path.parent)  # the rename itself survives a power loss only once the folder is synced


def sync_folder(folder: Path) -> None:
    """fsync a folder, so the entries made or renamed in it survive a power loss."""
    try:
        handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # a platform that cannot open folders (Windows): the rename is all it gets
        return
    try:
        os.fsync(handle)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the file's own data is synced already
    finally:
        os.close(handle)


def write_text_atomically(path: Path, text: str) -> None:
    write_atomically(path, lambda file: file.write(text.encode("utf-8")))


def _umask() -> int:
    """The process's umask: from /proc on Linux (reading it with os.umask means setting it, which another
    thread creating a file at that moment would feel), else set and put straight back."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask
