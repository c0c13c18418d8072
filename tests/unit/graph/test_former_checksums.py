"""Migration files keep the checksums that releases recorded for them, or say what they were before."""

from __future__ import annotations

from kgplatform.graph.former_checksums import FORMER_CHECKSUMS
from kgplatform.graph.migrations import discover_migrations
from kgplatform.graph.schema_check import compare_schema

# What main records for each file (sha256 of its text). A graph keeps the checksum it was migrated with for
# ever, so a file that no longer has it strands that graph: `migrate` refuses it (exit 2).
RECORDED = {
    "V0001__constraints": "5bb91c60153df72c1c5cc0491c59fd8e1b9681c566c9a1b459e8dcb363ab7163",
    "V0002__indexes": "28617c7750e16caf39a59899f02d2150e488ebe3c36f1d4aca80f5ea58da44bf",
    "V0003__curriculum_indexes": "f2b3a9e6eb2b10198c8db73900ccb1d91f09e49ff9ea88e5fb65e6529616a8b8",
    "V0006__planning": "6059fae845ef03025b9ee1ce6d13f0ea770a11bd6dc37a46eb8361515a507fa9",
    "V0007__transfer": "2d1e8c539ca1048e46bf25d3cba74bd8c8a43c54012087876282d6ac42a937a4",
    "V0008__curriculum_revision": "099776a746063fca397533bce6ef94d80337934f65a167d47824995a81b17bf2",
    "V0009__transfer_edge_index": "1eafe337d2d7bf5edc8842e4b5e80083053b57b6a2e9405504da65d3180ae1e7",
    "V0010__retired_ids": "18bdede81d2623c3a1bbf01a741405b0ced8ff0e328d7460b16aa8cad37671e6",
    "V0011__erased_answers": "ab8c24e5fc1d29c9d12aa91c13e9b27b0c9d18092c2f63c10d376dc4aba2ca3c",
    "V0012__audit_links": "cb105bbe7ce9e201e8f30c7b36bbd8b78aba5e247e27a1d68acd412d676a33d3",
    "V0013__answer_learner_time": "a91db241609c4321434e91917a6d92353ee63f86b8f163e7bf1fc6fe864cfa8f",
    "V0014__classes": "0731cb1336b07bbbc45a67840ed8fdf175367081e492d31cb5f727b8093c0107",
    "V0015__contract_drop_answer_learner": "2c1743cb571228396a752e7eb42a154fb8035d37c0a22a1fff82f883066e8ee3",
    "V0016__roster_changes": "82fe8cbfea9ce5afabe77cf4e3f80d96e90fd64eeb0b6845e711cf56743e8f5c",
    "V0017__audit_archive": "07d47807de51f672b428f39a379675d5f32a561487716ee14f74a35db9140e7e",
    "V0018__key_changes": "f401d0f75162eba44fe99552f3697a3df868e6513fa96d373b478ef2c8614ccd",
    "V0019__trail_archive": "824419ca44a83ee82c06969a1d562ef2844c4542cb32a13d4ff013c11fcaa82f",
    "V0020__audit_trail_order": "a474d546a7aec085e87206ef56a458e5412d3034fe29965a742f32d640dcc06c",
    "V0021__mastery_last_task": "391065378ab5c41fd7cc7d91ecd2556fa3c77894516205b866264de075fd0a6f",
    "V0022__concept_curriculum_index": "a4fe3422d847a97799c5edd8c087b47aca561fc8308b135667293264eefdd644",
}


def test_every_migration_file_has_the_checksum_graphs_recorded_for_it() -> None:
    shipped = {m.label: m.checksum for m in discover_migrations()}
    edited = sorted(label for label in RECORDED if label in shipped and shipped[label] != RECORDED[label])
    assert not edited, (
        f"{edited} changed after release: put the statements back as they were, or, for a comment alone, "
        "add the checksum above to kgplatform/graph/former_checksums.py and replace it here"
    )
    unpinned = sorted(set(shipped) - set(RECORDED))
    assert not unpinned, f"pin the checksum of each new migration file here: {unpinned}"


def test_a_checksum_recorded_before_a_comment_was_reworded_is_not_a_changed_file() -> None:
    v0014 = next(m for m in discover_migrations() if m.label == "V0014__classes")
    (former,) = FORMER_CHECKSUMS["V0014__classes"]
    recorded = [{"version": 14, "name": "classes", "checksum": former}]

    assert compare_schema(recorded, [v0014]).changed == ()
    assert compare_schema([{**recorded[0], "checksum": "another text"}], [v0014]).changed == (
        "V0014__classes",
    )


def test_former_checksums_name_shipped_migrations_and_differ_from_their_text_now() -> None:
    shipped = {m.label: m for m in discover_migrations()}
    for label, former in FORMER_CHECKSUMS.items():
        assert label in shipped, label
        assert shipped[label].checksum not in former and shipped[label].former_checksums == former
