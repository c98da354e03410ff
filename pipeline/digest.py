"""A short, readable account of one report, for people at a terminal (`report-miner describe`).

The head names the document and its counts; then, from the report's summary, each work area the
report covers: how much it says, its key figures, its named activities with their counts and the
bodies it names. Without a summary (a pipeline run without the summarize stage) the sections are
listed instead.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from .records import Report

#: Most items shown per line; the JSON has them all.
SHOWN = 6


def _listed(items: list[str], width: int) -> str:
    shown = "；".join(items[:SHOWN]) + (" …" if len(items) > SHOWN else "")
    return shown if len(shown) <= width * 2 else shown[:width * 2] + "…"


def _activity(row: dict[str, Any]) -> str:
    if row["count"] is None:
        return row["name"]
    return f"{row['name']} {row['count']:g}{row['count_unit'] or ''}"


def _area_lines(summary: dict[str, Any], width: int) -> list[str]:
    lines = []
    for area, entry in summary["areas"].items():
        if not entry["sentences"]:
            continue
        lines.append(f"   [{area}] {entry['name']}: {entry['sentences']} sentences, "
                     f"{entry['chars']} characters ({entry['share']:.0%})")
        if entry["key_figures"]:
            lines.append("      figures: " + _listed([figure["label"]
                                                       for figure in entry["key_figures"]], width))
        if entry["activities"]:
            lines.append("      activities: " + _listed([_activity(row)
                                                          for row in entry["activities"]], width))
        named = entry["organisations"] + entry["venues"] + entry["documents"]
        if named:
            lines.append("      names: " + _listed(named, width))
    return lines


def _section_lines(report: Report, width: int) -> list[str]:
    sentences_per_section = Counter(sentence.section for sentence in report.sentences)
    lines = []
    for section in report.sections:
        title = section.heading.text if section.heading else "(lead)"
        indent = "  " * max(section.level - 1, 0)
        lines.append(f"   {indent}- {title[:width]}  [{section.area}, "
                     f"{sentences_per_section.get(section.id, 0)} sentences]")
    return lines


def describe(report: Report, *, width: int = 60) -> str:
    document = report.document
    stated = ", ".join(f"{label} {value}" for label, value in (
        ("region", document.region), ("year", document.year), ("issuer", document.issuer))
        if value is not None)
    lines = [f"== {document.source or document.doc_id}",
             f"   {document.chars} characters, {document.encoding}"
             + (f", title: {document.title}" if document.title else "")
             + (f"; {stated}" if stated else "")]
    lines.append(f"   {len(report.sections)} sections, {len(report.sentences)} sentences, "
                 f"{len(report.quantities)} quantities, {len(report.entities)} entities, "
                 f"{len(report.activities)} activities")
    if report.summary:
        lines.extend(_area_lines(dict(report.summary), width))
    else:
        lines.extend(_section_lines(report, width))
    return "\n".join(lines)
