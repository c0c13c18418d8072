"""The stamp a batch's mastery gets (`updater.context_stamp`), which the ingest locks its learners with and
its dry run compares their stamps with: the transfer part from the current model when the context read only
the edges out of the batch's concepts, else from the versions of the edges read."""

from __future__ import annotations

from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.store import IngestContext, TransferEdge
from kgplatform.mastery.updater import context_stamp

TRACER = TracerParams.default(())
EDGE = TransferEdge("fractions", "ratios", 0.3, "gnn-7")


def context(
    edges: list[TransferEdge], model: str | None, has_edges: bool | None, revision: int = 0
) -> IngestContext:
    return IngestContext({}, {}, edges, revision, model, transfer_edges=has_edges)


def test_the_current_model_is_named_even_when_none_of_its_edges_leave_the_batchs_concepts() -> None:
    transfer, stamp, partial = context_stamp(context([], "gnn-7", True), TRACER)
    assert (transfer, stamp, partial) == ({}, "bkt-default+transfer:gnn-7", "gnn-7")


def test_a_model_without_edges_is_no_part_of_the_stamp_and_no_edges_are_read_later() -> None:
    assert context_stamp(context([], "gnn-8", False), TRACER) == ({}, "bkt-default", None)


def test_with_every_edge_read_the_stamp_names_their_versions_and_nothing_is_partial() -> None:
    transfer, stamp, partial = context_stamp(context([EDGE], "ignored", None), TRACER)
    assert (transfer, stamp, partial) == ({"fractions": {"ratios": 0.3}}, "bkt-default+transfer:gnn-7", None)


def test_the_curriculum_revision_ends_the_stamp_once_there_was_a_change() -> None:
    _, stamp, _ = context_stamp(context([EDGE], "gnn-7", True, revision=4), TRACER)
    assert stamp == "bkt-default+transfer:gnn-7+curriculum:4"
