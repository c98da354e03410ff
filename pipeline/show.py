"""`report-miner show REPORT.json`: one report as a self-contained HTML page.

The page holds the report's text, every sentence tinted with its work area's colour (legend at
the top), and its entities, quantities and activities marked inside, each with its label and a
tooltip of what was extracted (value and unit, canonical name, count); then the summary per area.
No scripts, fonts or style sheets are fetched: everything is in the one file.

The marks are drawn by spaCy's displaCy entity renderer, paragraph by paragraph. displaCy's
`ent` style cannot nest, and a sentence's tint must run under its marks, so every paragraph is cut
into runs that each carry one sentence's area: runs inside a record become marks, the others
plain tinted text, all through one template. Where records overlap (an event inside an activity's
name), the longer one is marked and the shorter is still listed in the summary below.

The JSON may come from anywhere, so it is checked against the shipped schema (and every record's
offsets against its text) before anything is drawn, and every value from it is escaped, in
attributes as in text: a crafted file gets `NotAReportFile`, never markup of its own.
"""
from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .frames import load_report_json
from .plotting import area_colours, area_names
from . import errors

#: What each kind of mark is called on the page, and its colour.
MARK_LABELS = {"QUANTITY": "数量", "ACTIVITY": "活动", "PERSON": "人物", "ORG": "机构",
               "GPE": "地点", "FAC": "场所", "DOC": "文件", "EVENT": "会议", "DATE": "日期"}
MARK_COLOURS = {"QUANTITY": "#ffd54f", "ACTIVITY": "#81d4fa", "PERSON": "#ffab91",
                "ORG": "#a5d6a7", "GPE": "#ce93d8", "FAC": "#80cbc4", "DOC": "#bcaaa4",
                "EVENT": "#f48fb1", "DATE": "#e0e0e0"}
PLAIN = "TEXT"

#: displaCy fills `label`, `text` (escaped) and `bg`; the rest come from each run's params.
RUN_TEMPLATE = ('<span class="run" style="background:{tint}">'
                '<mark class="{kind}" style="background:{bg}" title="{tip}">{text}'
                '<span class="tag">{badge}</span></mark></span>')

PAGE_STYLE = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","PingFang SC",
"Microsoft YaHei",sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin:1.4em 0 .4em;padding:.2em .4em}
h3{font-size:1.05em;margin:1em 0 .3em;padding:.15em .4em}
h2 .area,h3 .area{float:right;font-size:.7em;font-weight:normal;color:#333}
.contents ol{margin:.3em 0 1em;padding-left:1.5em}.contents li.h3{margin-left:1.5em;list-style:circle}
.furniture{color:#888;font-size:.9em}
.facts{color:#555}.legend span{display:inline-block;margin:.15em .3em;padding:.1em .5em;
border-radius:.3em;font-size:.9em}
.entities{line-height:2.2;margin:.6em 0}
.run mark{padding:.1em .25em;margin:0 .1em;border-radius:.3em;line-height:1}
.run mark.TEXT{padding:0;margin:0;background:transparent!important}
.tag{font-size:.65em;font-weight:bold;margin-left:.3em;vertical-align:middle}
.run mark.TEXT .tag{display:none}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}
td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
"""


def _escape(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _records(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every record to mark, with its kind, badge and tooltip; overlaps resolved longest first."""
    marks = []
    for quantity in report.get("quantities", []):
        tip = " ".join(str(part) for part in (quantity.get("verb"), quantity.get("object"),
                                              quantity.get("value"), quantity.get("unit"))
                       if part is not None)
        marks.append({**quantity, "kind": "QUANTITY", "tip": tip + (" (约)" if quantity.get("approx") else "")})
    for entity in report.get("entities", []):
        marks.append({**entity, "kind": entity["label"],
                      "tip": entity.get("canonical") or entity.get("normalized") or entity["text"]})
    for activity in report.get("activities", []):
        count = activity.get("count")
        tip = activity["name"] + (f" ×{count:g}{activity.get('count_unit') or ''}"
                                  if count is not None else "")
        marks.append({**activity, "kind": "ACTIVITY", "tip": tip})
    kept: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = []
    for mark in sorted(marks, key=lambda mark: (mark["start"] - mark["end"], mark["start"])):
        if all(mark["end"] <= start or mark["start"] >= end for start, end in taken):
            kept.append(mark)
            taken.append((mark["start"], mark["end"]))
    return sorted(kept, key=lambda mark: mark["start"])


def _runs(start: int, end: int, sentences: list[dict], marks: list[dict],
          tints: dict[str, str]) -> Iterator[dict[str, Any]]:
    """Cut `[start, end)` at sentence and mark boundaries into displaCy spans (offsets relative)."""
    cuts = {start, end}
    for item in (*sentences, *marks):
        cuts.update(offset for offset in (item["start"], item["end"]) if start < offset < end)
    ordered = sorted(cuts)
    for left, right in zip(ordered, ordered[1:]):
        sentence = next((s for s in sentences if s["start"] <= left < s["end"]), None)
        mark = next((m for m in marks if m["start"] <= left < m["end"]), None)
        area = sentence.get("area") if sentence else None
        tint = tints.get(area) if area is not None else None
        kind = mark["kind"] if mark else PLAIN
        yield {"start": left - start, "end": right - start, "label": kind,
               "params": {"kind": _escape(kind), "tint": tint or "transparent",
                          "tip": _escape(mark["tip"] if mark else ""),
                          "badge": MARK_LABELS.get(kind, "")}}


def _merged(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Join neighbouring runs that are the same mark, so a mark split by a sentence edge stays one."""
    merged: list[dict[str, Any]] = []
    for run in runs:
        previous = merged[-1] if merged else None
        if (previous and run["label"] == PLAIN and previous["label"] == PLAIN
                and previous["params"]["tint"] == run["params"]["tint"]
                and previous["end"] == run["start"]):
            previous["end"] = run["end"]
        else:
            merged.append(run)
    return merged


def _paragraph_html(text: str, start: int, end: int, sentences: list[dict],
                    marks: list[dict], tints: dict[str, str]) -> str:
    from spacy import displacy

    inside = [s for s in sentences if s["end"] > start and s["start"] < end]
    within = [m for m in marks if m["start"] >= start and m["end"] <= end]
    runs = _merged(list(_runs(start, end, inside, within, tints)))
    colours = {**MARK_COLOURS, PLAIN: "transparent"}
    return displacy.render({"text": text[start:end], "ents": runs}, style="ent", manual=True,
                           options={"colors": colours, "template": RUN_TEMPLATE})


def _blocks(report: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Headings, paragraphs and furniture (bylines, captions…) in document order."""
    items = [("heading", section) for section in report.get("sections", [])
             if section.get("heading")]
    items += [("paragraph", paragraph) for paragraph in report.get("paragraphs", [])]
    items += [("furniture", piece) for piece in report.get("furniture", [])]
    yield from sorted(items, key=lambda item: (item[1]["heading"]["start"]
                                               if item[0] == "heading" else item[1]["start"]))


def _legend(report: dict[str, Any], tints: dict[str, str], names: dict[str, str]) -> str:
    counts: dict[str, int] = {}
    for sentence in report["sentences"]:
        counts[sentence.get("area")] = counts.get(sentence.get("area"), 0) + 1
    areas = "".join(f'<span style="background:{tints[area]}">{_escape(names[area])} '
                    f'<small>{_escape(area)} · {counts.get(area, 0)}句</small></span>'
                    for area in tints)
    kinds = "".join(f'<span style="background:{MARK_COLOURS[kind]}">{label} <small>{kind}</small>'
                    f'</span>' for kind, label in MARK_LABELS.items())
    return (f'<div class="legend"><b>领域</b> {areas}</div>'
            f'<div class="legend"><b>标注</b> {kinds}</div>')


def _summary_tables(summary: dict[str, Any] | None, tints: dict[str, str]) -> str:
    if not summary:
        return ""
    parts = ["<h2>各领域摘要</h2>"]
    for area, entry in summary["areas"].items():
        if not entry["sentences"]:
            continue
        figures = "；".join(_escape(figure["label"]) for figure in entry["key_figures"]) or "—"
        activities = "；".join(
            _escape(row["name"]) + (f" ×{row['count']:g}{_escape(row['count_unit'] or '')}"
                                    if row["count"] is not None else "")
            for row in entry["activities"]) or "—"
        named = "；".join(_escape(name) for group in ("organisations", "places", "venues",
                                                     "documents", "events")
                         for name in entry[group]) or "—"
        sentence = entry["representative_sentence"]
        parts.append(
            f'<table><tr><th colspan="2" style="background:{tints.get(area, "#eee")}">'
            f'{_escape(entry["name"])} ({_escape(area)}): {_escape(entry["sentences"])}句, '
            f'{_escape(entry["chars"])}字, {_escape(format(entry["share"], ".0%"))}</th></tr>'
            f"<tr><td>数字</td><td>{figures}</td></tr>"
            f"<tr><td>活动</td><td>{activities}</td></tr>"
            f"<tr><td>机构·地点·文件</td><td>{named}</td></tr>"
            f"<tr><td>代表句</td><td>{_escape(sentence['text'] if sentence else '')}</td></tr>"
            "</table>")
    return "".join(parts)


def _check_offsets(report: dict[str, Any], text: str, source: str | Path | None) -> None:
    records = [*report["sentences"], *report.get("paragraphs", []), *report.get("quantities", []),
               *report.get("entities", []), *report.get("activities", []),
               *(section["heading"] for section in report.get("sections", [])
                 if section.get("heading"))]
    for record in records:
        if not 0 <= record["start"] <= record["end"] <= len(text):
            raise errors.NotAReportFile(source, reason=f"a record's offsets {record['start']}-"
                                                       f"{record['end']} lie outside its text of "
                                                       f"{len(text)} characters")


def _table_of_contents(entries: list[str]) -> str:
    if not entries:
        return ""
    return f'<nav class="contents"><b>目录</b><ol>{"".join(entries)}</ol></nav>'


def render_page(report: dict[str, Any], source: str | Path | None = None) -> str:
    """The HTML page of one report (a parsed output JSON that includes its `text`); `source`
    names the file it came from in errors."""
    text = report.get("text")
    if text is None:
        raise errors.NotAReportFile(source, reason="it was written without its text (include "
                                                   "the text to show it)")
    _check_offsets(report, text, source)
    document = report["document"]
    tints, names = area_colours(), area_names()
    marks = _records(report)
    sentences = sorted(report["sentences"], key=lambda sentence: sentence["start"])
    body, contents = [], []
    for kind, item in _blocks(report):
        if kind == "heading":
            heading, area = item["heading"], item.get("area")
            # Top-level sections are h2, every deeper level h3; the area is written out as well
            # as tinted, for readers (and printers) without colour.
            tag = "h2" if item.get("level", 1) <= 1 else "h3"
            anchor = f"section-{_escape(item['id'])}"
            area_label = _escape(names.get(area, area) if area is not None else "")
            tint = tints.get(area, "#eee") if area is not None else "#eee"
            body.append(f'<{tag} id="{anchor}" style="background:{tint}">'
                        f'{_escape(heading["text"])}<span class="area">{area_label}</span>'
                        f'</{tag}>')
            contents.append(f'<li class="{tag}"><a href="#{anchor}">{_escape(heading["text"])}'
                            f'</a> <small>{area_label}</small></li>')
        elif kind == "furniture":
            body.append(f'<p class="furniture" title="{_escape(item["kind"])}">{_escape(item["text"])}</p>')
        else:
            body.append(_paragraph_html(text, item["start"], item["end"], sentences, marks, tints))
    facts = " · ".join(_escape(f"{label}: {value}") for label, value in (
        ("地区", document.get("region")), ("年份", document.get("year")),
        ("发布", document.get("issuer")), ("字数", document.get("chars")),
        ("句子", len(report["sentences"])), ("数量", len(report.get("quantities", []))),
        ("实体", len(report.get("entities", []))), ("活动", len(report.get("activities", []))))
        if value is not None)
    title = document.get("title") or Path(document.get("source") or document["doc_id"]).name
    return ("<!DOCTYPE html>\n"
            f'<html lang="zh-CN"><head><meta charset="utf-8"><title>{_escape(title)}</title>'
            f"<style>{PAGE_STYLE}</style></head><body>"
            f"<h1>{_escape(title)}</h1><p class=\"facts\">{facts}</p>"
            f"{_legend(report, tints, names)}{_table_of_contents(contents)}{''.join(body)}"
            f"{_summary_tables(report.get('summary'), tints)}</body></html>\n")


def show(report_path: str | Path, output: str | Path | None = None) -> Path:
    """Render `report_path` (an output JSON) to `output` (default: beside it, `.html`)."""
    from .batch import atomic_write

    from .schema import report_problems

    report = load_report_json(report_path)
    problems = report_problems(report)
    if problems:
        raise errors.NotAReportFile(report_path, reason=f"it does not follow the report schema "
                                                        f"({len(problems)} problems; the first: "
                                                        f"{problems[0][:300]})")
    target = Path(output) if output else Path(report_path).with_suffix(".html")
    page = render_page(report, report_path)
    try:
        atomic_write(target, page)
    except OSError as exc:
        raise errors.CannotWriteOutput(target, reason=exc.strerror or type(exc).__name__) from None
    return target
