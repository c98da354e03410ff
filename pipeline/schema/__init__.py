"""The published JSON Schema of a report, and validation against it and the offset rules."""
from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from typing import Any

from ..records import RECORD_LISTS, SCHEMA_VERSION

SCHEMA_FILE = "report.schema.json"


def schema_text() -> str:
    return resources.files(__name__).joinpath(SCHEMA_FILE).read_text("utf-8")


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(schema_text())


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(schema())
    return jsonschema.Draft202012Validator(schema())


def validation_errors(report: dict[str, Any]) -> list[str]:
    """Every way `report` (a parsed JSON output) breaks the schema, as readable lines."""
    return [f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
            for error in _validator().iter_errors(report)]


def enum_values(definition: str) -> list[Any]:
    """The values an enumerated `$defs` entry allows (its `const`s), in the schema's order."""
    return [choice["const"] for choice in schema()["$defs"][definition]["oneOf"] if "const" in choice]


def _spans(report: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """`(where, record)` for every record with offsets, the summary's included; `text` in a
    record is its surface, `text[start:end]`."""
    for name in RECORD_LISTS:
        for index, record in enumerate(report.get(name) or ()):
            yield f"{name}/{index}", record
            if name == "sections" and record.get("heading"):
                yield f"{name}/{index}/heading", record["heading"]
    for area, entry in ((report.get("summary") or {}).get("areas") or {}).items():
        for index, figure in enumerate(entry["key_figures"]):
            yield f"summary/areas/{area}/key_figures/{index}", figure
        if entry["representative_sentence"] is not None:
            yield f"summary/areas/{area}/representative_sentence", entry["representative_sentence"]


def offset_problems(report: dict[str, Any]) -> list[str]:
    """What JSON Schema cannot say of a report that follows it: every record's start <= end and,
    where the report holds its text, end within it and the record's surface equal to
    text[start:end]."""
    text = report.get("text")
    problems = []
    for where, record in _spans(report):
        start, end = record["start"], record["end"]
        if start > end:
            problems.append(f"{where}: start {start} is after end {end}")
        elif text is not None and end > len(text):
            problems.append(f"{where}: end {end} lies past the text's {len(text)} characters")
        elif text is not None and "text" in record and text[start:end] != record["text"]:
            problems.append(f"{where}: text[{start}:{end}] is {text[start:end][:40]!r}, "
                            f"not its text {record['text'][:40]!r}")
    return problems


def other_major_version(report: dict[str, Any]) -> str | None:
    """Why `report` cannot be read here, if it was written under another major schema version: a
    major bump renames or removes fields, so listing each field the old file lacks would bury the
    one thing to do, which is to process the source again."""
    version = report.get("schema_version")
    if not isinstance(version, str) or version.split(".")[0] == SCHEMA_VERSION.split(".")[0]:
        return None
    return (f"schema_version: written under schema {version}, and this report-miner reads schema "
            f"{SCHEMA_VERSION.split('.')[0]}.x; process its source again with this version "
            f"(`report-miner run`)")


def report_problems(report: dict[str, Any]) -> list[str]:
    """Every way a parsed output breaks the contract: another major schema version alone, else
    the schema, then the offsets (which are only checked on a report that follows the schema)."""
    older_or_newer = other_major_version(report)
    if older_or_newer:
        return [older_or_newer]
    return validation_errors(report) or offset_problems(report)
