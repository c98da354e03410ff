"""Corpus tables: report-miner outputs as seven pandas DataFrames, one row per record (`areas`:
one per report and work area, from the summary).

    >>> from pipeline.frames import to_frames
    >>> tables = to_frames(["out/"])          # a folder of output JSON, files, dicts or Reports
    >>> tables["quantities"].groupby("area", observed=False)["value"].sum()

Every table has `doc_id` first, so tables join on it (and on `sentence` / `section` ids inside a
document). `area` is a categorical whose categories are the taxonomy's areas and `general`, in the
taxonomy's order, and `label` (entities) a categorical of the schema's entity labels, so that
tables from different corpora concatenate without surprises and plots keep a fixed order.
Nullable integers are pandas `Int64`; text columns are `string`.

Columns (`TABLE_COLUMNS` holds them with their dtypes):

documents   doc_id source title region year issuer year_delivered year_source region_code
            region_level region_source encoding format chars sections sentences
            quantities entities activities schema_version tables_version pipeline_version
            model_sha256 data_sha256
sections    doc_id section parent level heading numbering start end area
sentences   doc_id sentence section paragraph start end chars area area_score text
quantities  doc_id sentence area start end text value unit approx kind low high bound object verb
            role
entities    doc_id sentence area start end text label canonical normalized
activities  doc_id sentence area start end name text kind count count_unit organiser
areas       doc_id region year area sentences chars share key_figures activities figures

A record's `area` is its sentence's; a record outside every sentence (in a heading, say) takes the
area of the innermost section around it. `sentence` is the record's own sentence id where the
stage gave one, else the sentence found from its offset.

CSV tables are for spreadsheets, which run a cell that starts with `=`, `+`, `-` or `@` (or a tab
or carriage return before one) as a formula. As OWASP recommends against CSV injection, every
text cell starting with one of those characters is written with a `'` before it, which
spreadsheets show as text; numbers are written as they are. Parquet tables hold the text as is.
"""
from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from . import errors
from .records import Report

#: The tables' own version, MAJOR.MINOR, by the schema's rule (docs/tables.md, Versioning): a
#: new column, table or category is a minor bump; a column renamed, removed, retyped or given
#: another meaning, unit or set of values is a major one. `TABLE_COLUMNS` is checked against the
#: columns recorded for this version in tests/test_frames.py.
TABLES_VERSION = "2.0"
TABLES = ("documents", "sections", "sentences", "quantities", "entities", "activities", "areas")
TABLE_FORMATS = ("parquet", "csv")
#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP, CSV Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_LOCATED = {"sentence": "Int64", "area": "area"}
#: table -> column -> dtype; "area" and "label" stand for the categoricals built in `to_frames`.
TABLE_COLUMNS: dict[str, dict[str, str]] = {
    "documents": {"doc_id": "string", "source": "string", "title": "string", "region": "string",
                  "year": "Int64", "issuer": "string", "year_delivered": "Int64",
                  "year_source": "string", "region_code": "string", "region_level": "string",
                  "region_source": "string", "encoding": "string",
                  "format": "string", "chars": "int64", "sections": "int64",
                  "sentences": "int64", "quantities": "int64", "entities": "int64",
                  "activities": "int64", "schema_version": "string",
                  "tables_version": "string", "pipeline_version": "string",
                  "model_sha256": "string", "data_sha256": "string"},
    "sections": {"doc_id": "string", "section": "int64", "parent": "Int64", "level": "int64",
                 "heading": "string", "numbering": "string", "start": "int64", "end": "int64",
                 "area": "area"},
    "sentences": {"doc_id": "string", "sentence": "int64", "section": "int64",
                  "paragraph": "int64", "start": "int64", "end": "int64", "chars": "int64",
                  "area": "area", "area_score": "float64", "text": "string"},
    "quantities": {"doc_id": "string", **_LOCATED, "start": "int64", "end": "int64",
                   "text": "string", "value": "float64", "unit": "string", "approx": "bool",
                   "kind": "string", "low": "float64", "high": "float64", "bound": "string",
                   "object": "string", "verb": "string", "role": "string"},
    "entities": {"doc_id": "string", **_LOCATED, "start": "int64", "end": "int64",
                 "text": "string", "label": "label", "canonical": "string",
                 "normalized": "string"},
    "activities": {"doc_id": "string", **_LOCATED, "start": "int64", "end": "int64",
                   "name": "string", "text": "string", "kind": "string", "count": "float64",
                   "count_unit": "string", "organiser": "string"},
    "areas": {"doc_id": "string", "region": "string", "year": "Int64", "area": "area",
              "sentences": "int64", "chars": "int64", "share": "float64",
              "key_figures": "int64", "activities": "int64", "figures": "string"},
}


def area_dtype() -> pd.CategoricalDtype:
    from .stages.summarize import area_catalogue

    return pd.CategoricalDtype([area.id for area in area_catalogue()], ordered=False)


def label_dtype() -> pd.CategoricalDtype:
    from .schema import enum_values

    return pd.CategoricalDtype(enum_values("entity_label"))


# --- reading outputs ------------------------------------------------------------------------

def load_report_json(path: str | Path) -> dict[str, Any]:
    """One output JSON file as a dict; a clear `NotAReportFile` error for anything else."""
    path = Path(path)
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise errors.NotAReportFile(path, reason=exc.strerror or type(exc).__name__) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise errors.NotAReportFile(path, reason=f"not valid UTF-8 JSON ({exc})") from None
    if not isinstance(data, dict) or "document" not in data or "sentences" not in data:
        raise errors.NotAReportFile(path, reason="it has no `document` and `sentences`; "
                                                 "is it the output of `report-miner run`?")
    return data


def _report_dicts(reports: Iterable[Report | dict | str | Path]) -> Iterator[dict[str, Any]]:
    for item in reports:
        if isinstance(item, Report):
            yield item.to_dict(include_text=False)
        elif isinstance(item, dict):
            yield item
        elif Path(item).is_dir():
            for path in sorted(Path(item).glob("*.json")):
                yield load_report_json(path)
        else:
            yield load_report_json(item)


# --- building rows --------------------------------------------------------------------------

class _Locator:
    """Sentence and area of an offset in one document, by binary search over sorted starts."""

    def __init__(self, sentences: list[dict], sections: list[dict]) -> None:
        self.sentences = sorted(sentences, key=lambda sentence: sentence["start"])
        self.sentence_starts = [sentence["start"] for sentence in self.sentences]
        self.sentence_by_id = {sentence["id"]: sentence for sentence in sentences}
        # Sections nest, and a child starts after its parent: the last section starting at or
        # before an offset that still contains it is the innermost one.
        self.sections = sorted(sections, key=lambda section: (section["start"], section["level"]))
        self.section_starts = [section["start"] for section in self.sections]

    def sentence(self, record: dict) -> dict | None:
        if record.get("sentence") in self.sentence_by_id:
            return self.sentence_by_id[record["sentence"]]
        index = bisect_right(self.sentence_starts, record["start"]) - 1
        if index >= 0 and record["start"] < self.sentences[index]["end"]:
            return self.sentences[index]
        return None

    def area(self, record: dict, sentence: dict | None) -> str | None:
        if sentence is not None:
            return sentence.get("area")
        index = bisect_right(self.section_starts, record["start"]) - 1
        while index >= 0:
            section = self.sections[index]
            if record["start"] < section["end"]:
                return section.get("area")
            index -= 1
        return None


def _located_rows(doc_id: str, records: list[dict], locate: _Locator,
                  columns: Iterable[str]) -> Iterator[dict[str, Any]]:
    for record in records:
        sentence = locate.sentence(record)
        row = {column: record.get(column) for column in columns}
        row.update(doc_id=doc_id, sentence=sentence["id"] if sentence else None,
                   area=locate.area(record, sentence))
        yield row


def _document_rows(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    document = report["document"]
    doc_id = document["doc_id"]
    sections, sentences = report.get("sections", []), report["sentences"]
    locate = _Locator(sentences, sections)
    provenance = report.get("provenance") or {}
    rows: dict[str, list[dict[str, Any]]] = {
        "documents": [{**{key: document.get(key) for key in TABLE_COLUMNS["documents"]},
                       "sections": len(sections), "sentences": len(sentences),
                       "quantities": len(report.get("quantities", [])),
                       "entities": len(report.get("entities", [])),
                       "activities": len(report.get("activities", [])),
                       "schema_version": report.get("schema_version"),
                       "tables_version": TABLES_VERSION,
                       "pipeline_version": report.get("pipeline_version"),
                       "model_sha256": (provenance.get("model") or {}).get("sha256"),
                       "data_sha256": (provenance.get("data") or {}).get("sha256")}],
        "sections": [{"doc_id": doc_id, "section": section["id"], "parent": section.get("parent"),
                      "level": section["level"],
                      "heading": (section.get("heading") or {}).get("text"),
                      "numbering": (section.get("heading") or {}).get("numbering"),
                      "start": section["start"], "end": section["end"],
                      "area": section.get("area")} for section in sections],
        "sentences": [{"doc_id": doc_id, "sentence": sentence["id"],
                       "section": sentence["section"], "paragraph": sentence["paragraph"],
                       "start": sentence["start"], "end": sentence["end"],
                       "chars": sentence["end"] - sentence["start"], "area": sentence.get("area"),
                       "area_score": sentence.get("area_confidence"),
                       "text": sentence["text"]} for sentence in sentences],
    }
    for table in ("quantities", "entities", "activities"):
        rows[table] = list(_located_rows(doc_id, report.get(table, []), locate,
                                         TABLE_COLUMNS[table]))
    rows["areas"] = _area_rows(report)
    return rows


def _area_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per work area of the report's summary: how much it says and its key figures
    (`figures`: their labels joined by ` | `, `举办 周六早餐会 7次 | ...`)."""
    document, summary = report["document"], report.get("summary") or {}
    return [{"doc_id": document["doc_id"], "region": document.get("region"),
             "year": document.get("year"), "area": area, "sentences": entry["sentences"],
             "chars": entry["chars"], "share": entry["share"],
             "key_figures": len(entry["key_figures"]), "activities": len(entry["activities"]),
             "figures": " | ".join(figure["label"] for figure in entry["key_figures"])}
            for area, entry in (summary.get("areas") or {}).items()]


def _frame(rows: list[dict[str, Any]], columns: dict[str, str],
           categoricals: dict[str, pd.CategoricalDtype]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=list(columns))
    return frame.astype({column: categoricals.get(dtype, dtype)
                         for column, dtype in columns.items()})


def to_frames(reports: Iterable[Report | dict | str | Path]) -> dict[str, pd.DataFrame]:
    """The six corpus tables (see the module docstring) from reports, dicts, files or folders."""
    if isinstance(reports, (Report, dict, str, Path)):
        reports = [reports]
    rows: dict[str, list[dict[str, Any]]] = {table: [] for table in TABLES}
    for report in _report_dicts(reports):
        for table, table_rows in _document_rows(report).items():
            rows[table].extend(table_rows)
    categoricals = {"area": area_dtype(), "label": label_dtype()}
    return {table: _frame(rows[table], TABLE_COLUMNS[table], categoricals) for table in TABLES}


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with `'` put before every text cell a spreadsheet would run as a formula."""
    neutral = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype) or not (
                pd.api.types.is_string_dtype(values.dtype) or values.dtype == object):
            continue  # numbers, and categories from the taxonomy and the schema
        risky = pd.Series([isinstance(cell, str) and cell.startswith(FORMULA_STARTS)
                           for cell in values], index=values.index, dtype=bool)
        if risky.any():
            neutral[column] = values.where(~risky, "'" + values.astype("string"))
    return neutral


def write_tables(frames: dict[str, pd.DataFrame], folder: str | Path, fmt: str) -> list[Path]:
    """Write each table as `folder/<table>.parquet` (or `.csv`); returns the paths written."""
    if fmt not in TABLE_FORMATS:
        raise ValueError(f"table format must be one of {TABLE_FORMATS}, not {fmt!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table, frame in frames.items():
        path = folder / f"{table}.{fmt}"
        temporary = path.with_name(f".{path.name}.tmp")
        try:
            if fmt == "parquet":
                frame.to_parquet(temporary, index=False)
            else:
                # With a byte-order mark, so that Excel reads the Chinese as UTF-8.
                neutralise_formulas(frame).to_csv(temporary, index=False, encoding="utf-8-sig")
            temporary.replace(path)
        except BaseException:  # a failed or interrupted write leaves no half file behind
            temporary.unlink(missing_ok=True)
            raise
        written.append(path)
    return written
