"""Rendering of an evaluation report: rich tables for the terminal, a dict for JSON files."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table

from kgplatform.transfer.downstream import MIN_CONFIDENCE
from kgplatform.transfer.evaluate import CEILING, LABELS, EvalReport

GNN = LABELS["gnn"]


def report_dict(report: EvalReport) -> dict[str, Any]:
    return {
        "name": report.name,
        "info": report.info,
        "pairs": {k: v.as_row() for k, v in report.pair_table.items()},
        "tracer": [asdict(g) for g in report.tracer_table],
        "cold_start": {k: v.as_row() for k, v in report.cold_table.items()},
        "pairs_per_seed": {k: [m.as_row() for m in v] for k, v in report.pair_seeds.items()},
        "cold_start_per_seed": {k: [m.as_row() for m in v] for k, v in report.cold_seeds.items()},
        "verdict": verdict(report),
    }


def verdict(report: EvalReport) -> dict[str, bool | None]:
    """Does the GNN beat every non-GNN baseline (each metric), and does its transfer help the tracer?"""

    def beats(table: dict[str, Any], metric: str) -> bool | None:
        if GNN not in table:
            return None
        gnn = getattr(table[GNN], metric)
        return all(gnn > getattr(v, metric) for k, v in table.items() if k not in (GNN, CEILING))

    gain = next((g.gain for g in report.tracer_table if g.name == GNN), None)
    return {
        "pairs_spearman": beats(report.pair_table, "spearman"),
        "pairs_auc_top": beats(report.pair_table, "auc_top"),
        "cold_spearman": beats(report.cold_table, "spearman") if report.cold_table else None,
        "cold_auc_top": beats(report.cold_table, "auc_top") if report.cold_table else None,
        "tracer_gain_positive": None if gain is None else gain > 0,
    }


# Each of the verdict's checks as the report's last lines say it; the keys are those of --out's JSON.
VERDICT_WORDS = {
    "pairs_spearman": "the GNN beats every non-GNN baseline on held-out pairs' Spearman",
    "pairs_auc_top": "on held-out pairs' AUC (top)",
    "cold_spearman": "on cold-start pairs' Spearman",
    "cold_auc_top": "on cold-start pairs' AUC (top)",
    "tracer_gain_positive": "the tracer gains from the GNN's transfer",
}
VERDICT_ANSWERS = {True: "yes", False: "no", None: "not measured"}


def verdict_lines(checks: dict[str, bool | None]) -> list[str]:
    """The verdict in words, a check a line: it was printed as a Python dict (`{'pairs_spearman': False,
    ...}`, a review, 6 December 2026)."""
    return ["verdict:"] + [f"  {VERDICT_WORDS[key]}: {VERDICT_ANSWERS[checks[key]]}" for key in VERDICT_WORDS]


def print_report(report: EvalReport, console: Console) -> None:
    console.rule(report.name)
    console.print(", ".join(f"{k}: {v}" for k, v in report.info.items()))
    for title, table_data in (
        ("held-out pairs, held-out learners", report.pair_table),
        ("cold start: pairs touching concepts with no training answers", report.cold_table),
    ):
        if not table_data:
            continue
        table = Table("model", "Spearman", "AUC top-vs-rest", "pairs", title=title)
        for name, m in table_data.items():
            table.add_row(name, f"{m.spearman:.3f}", f"{m.auc_top:.3f}", str(m.n_pairs))
        console.print(table)
    if report.tracer_table:
        table = Table(
            "tracer transfer from",
            "alpha (validation)",
            "resamples won",
            "valid AUC",
            "test AUC",
            "gain vs without",
            title="downstream: next-answer AUC of the tracer on test learners (leak-free, per response); "
            f"alpha is kept when the best scale beats no transfer in {MIN_CONFIDENCE:.0%} of "
            "validation-learner resamples",
        )
        for g in report.tracer_table:
            won = "" if g.confidence is None else f"{g.confidence:.0%}"  # None: no scale gained at all
            table.add_row(
                g.name, f"{g.alpha:g}", won, f"{g.valid_auc:.4f}", f"{g.test_auc:.4f}", f"{g.gain:+.4f}"
            )
        console.print(table)
    for line in verdict_lines(verdict(report)):
        console.print(line, markup=False, highlight=False)
