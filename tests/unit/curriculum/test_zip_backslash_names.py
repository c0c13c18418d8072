"""Zip members named with '\\' between folders, as some Windows zippers write them."""

import io
import zipfile

from kgplatform.curriculum.io import parse_zip


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_members_in_a_backslash_folder_are_read_by_their_file_names() -> None:
    """`export\\concepts.csv` was refused: "is not one of concepts.csv, prerequisites.csv, tasks.csv"."""
    raw = parse_zip(
        _zip(
            {
                "export\\concepts.csv": b"id,name\na,A\nb,B\n",
                "export\\prerequisites.csv": b"prerequisite,concept\na,b\n",
                "__MACOSX\\export\\._tasks.csv": b"\x00\x05",
            }
        )
    )
    assert raw.file_errors == []
    assert [c["id"] for c in raw.concepts] == ["a", "b"] and raw.prerequisites == [
        {"prerequisite": "a", "concept": "b"}
    ]
