"""A short, readable account of one report, for people at a terminal (`report-miner describe`)."""
from __future__ import annotations

from collections import Counter

from .records import Report


def describe(report: Report, *, width: int = 60) -> str:
    document = report.document
    lines = [f"== {document.source or document.doc_id}",
             f"   {document.chars} characters, {document.encoding}"
             + (f", title: {document.title}" if document.title else "")]
    lines.append(f"   {len(report.sections)} sections, {len(report.sentences)} sentences, "
                 f"{len(report.quantities)} quantities, {len(report.entities)} entities, "
                 f"{len(report.activities)} activities")
    sentences_per_section = Counter(sentence.section for sentence in report.sentences)
    for section in report.sections:
        title = section.heading.text if section.heading else "(lead)"
        indent = "  " * max(section.level - 1, 0)
        lines.append(f"   {indent}- {title[:width]}  [{section.area}, "
                     f"{sentences_per_section.get(section.id, 0)} sentences]")
    if report.quantities:
        shown = ", ".join(quantity.text for quantity in report.quantities[:8])
        lines.append(f"   quantities: {shown}" + (" …" if len(report.quantities) > 8 else ""))
    if report.activities:
        shown = "、".join(dict.fromkeys(activity.name for activity in report.activities))
        lines.append(f"   activities: {shown[:200]}")
    if report.entities:
        by_label = Counter(entity.label for entity in report.entities)
        lines.append("   entities: " + ", ".join(f"{label} {n}" for label, n in by_label.most_common()))
    return "\n".join(lines)
