"""Readers for the public prerequisite graphs in `../shared/data`, each giving an import document.

Each reader turns its dataset's own format into `RawDocument` rows (unvalidated), plus notes on what
it did to the source (collapsed rows, a transitive reduction). The rows then take the same path as a
designer's file: validation with a per-row report, so the datasets' real self-loops and cycles are
reported rather than silently dropped or accepted.
"""
