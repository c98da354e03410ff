"""The training set of the work-area classifier, read and checked (`pipeline.training` fits on it).

Three sources: the labelled sentences written for the project (`corpora/training/*.jsonl`), the
sentences of the government work reports in `../shared/corpora/` labelled by reference
(`corpora/training/*.refs.jsonl`: report, offsets, label, who labelled it and how; the text is read
from `../shared` when training and never copied into the project, and a missing corpus is reported
and its references skipped), and extras that join every training fold: the headings of the sample
reports in `corpora/gold/` (never a held-out report's, whose name holds `heldout`) and each area's
indicative terms from the taxonomy file. A bad row stops training with its file and line named.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import errors
from .taxonomy import Taxonomy, load_taxonomy

ROOT = Path(__file__).resolve().parents[1]
TRAINING_DIR = ROOT / "corpora" / "training"
#: Files labelling sentences of other corpora by reference (offsets), not by copying their text.
REFERENCES_SUFFIX = ".refs.jsonl"
DEFAULT_CORPUS = tuple(sorted(path for path in TRAINING_DIR.glob("*.jsonl")
                              if not path.name.endswith(REFERENCES_SUFFIX)))
DEFAULT_REFERENCES = tuple(sorted(TRAINING_DIR.glob(f"*{REFERENCES_SUFFIX}")))
DEFAULT_GOLD_DIR = ROOT / "corpora" / "gold"
#: The read-only material beside the project: the government reports, the seed, the real reports.
SHARED_DIR = ROOT.parent / "shared"
#: Sample reports kept out of every training step, recognised by name.
HELD_OUT_MARK = "heldout"


@dataclass(frozen=True)
class Example:
    text: str
    area: str
    origin: str
    #: The document the text comes from: cross-validation keeps a document in one fold.
    group: str = ""


@dataclass(frozen=True)
class TrainingSet:
    corpus: list[Example]
    extras: list[Example]
    sha256: str
    sources: list[str]
    #: Why some labelled examples could not be used (their source text is absent).
    skipped: list[str] = field(default_factory=list)


def _read_jsonl(path: Path, taxonomy: Taxonomy) -> list[Example]:
    examples = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                text, area = row["text"], row["area"]
            except (ValueError, KeyError, TypeError) as exc:
                raise errors.TrainingDataError(path, detail=f"line {number} is not a training row: {exc}") from exc
            _check_area(path, number, area, taxonomy)
            origin = f"{path.name}:{row.get('id', number)}"
            examples.append(Example(text, area, origin, group=origin))
    return examples


def _check_area(path: Path, number: int, area: str, taxonomy: Taxonomy) -> None:
    if area not in taxonomy.labels:
        raise errors.TrainingDataError(path, detail=f"line {number} has area {area!r}, not one of "
                                       f"the taxonomy's labels {', '.join(taxonomy.labels)}")


def read_references(path: Path, taxonomy: Taxonomy, shared: Path = SHARED_DIR) -> tuple[list[Example], str | None]:
    """The examples a references file labels, with their text read from the corpus it names.

    The file's first row is its header (`_comment`, `source`: the corpus, relative to `shared`);
    each further row names a document (`doc`, its line in the corpus), `start`, `end`, `area`,
    `sha256_12` (the first 12 hex digits of the labelled text's sha256, so a changed corpus is
    caught rather than mislabelled), `labelled_by` and `how`. Returns the examples, or none and
    the reason where the corpus is absent.
    """
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    rows.append((number, json.loads(line)))
                except ValueError as exc:
                    raise errors.TrainingDataError(path, detail=f"line {number} is not JSON: {exc}") from exc
    if not rows or "source" not in rows[0][1]:
        raise errors.TrainingDataError(path, detail="line 1 must be the header naming the `source` corpus")
    source = shared / rows[0][1]["source"]
    if not source.exists():
        return [], f"{path.name}: {len(rows) - 1} labelled sentences skipped, {source} is absent"
    with source.open(encoding="utf-8") as handle:
        documents = [json.loads(line)["content"] for line in handle if line.strip()]
    examples = []
    for number, row in rows[1:]:
        try:
            content = documents[row["doc"]]
            text = content[row["start"]:row["end"]]
            area, digest = row["area"], row["sha256_12"]
        except (KeyError, IndexError, TypeError) as exc:
            raise errors.TrainingDataError(path, detail=f"line {number} is not a reference row: {exc!r}") from exc
        _check_area(path, number, area, taxonomy)
        if hashlib.sha256(text.encode("utf-8")).hexdigest()[:12] != digest:
            raise errors.TrainingDataError(path, detail=(
                f"line {number}: {source.name} document {row['doc']} [{row['start']}:{row['end']}] "
                "no longer holds the labelled text (its sha256 differs); relabel against this corpus"))
        examples.append(Example(text, area, f"{path.name}:{number}", group=f"{source.name}#{row['doc']}"))
    return examples, None


def sample_report_headings(gold_dir: Path) -> list[Example]:
    """Headings of the sample reports (not the held-out one) with their gold areas."""
    examples: list[Example] = []
    for gold in sorted(gold_dir.glob("*.gold.json")):
        if HELD_OUT_MARK in gold.name:
            continue
        data = json.loads(gold.read_text("utf-8"))
        examples.extend(Example(h["text"], h["area"], f"{gold.name}:heading")
                        for h in data.get("headings", ()))
    return examples


def load_training_set(corpus: Sequence[Path] = DEFAULT_CORPUS, gold_dir: Path | None = DEFAULT_GOLD_DIR,
                      taxonomy: Taxonomy | None = None, references: Sequence[Path] = DEFAULT_REFERENCES,
                      shared: Path = SHARED_DIR) -> TrainingSet:
    taxonomy = taxonomy or load_taxonomy()
    if not corpus:
        raise errors.TrainingDataError("corpora/training", detail="no training corpus (*.jsonl) found")
    rows = [example for path in corpus for example in _read_jsonl(Path(path), taxonomy)]
    skipped = []
    for path in references:
        referenced, reason = read_references(Path(path), taxonomy, shared)
        rows += referenced
        skipped += [reason] if reason else []
    extras = sample_report_headings(gold_dir) if gold_dir is not None else []
    extras += [Example(term, area, "taxonomy:term")
               for area, terms in taxonomy.terms.items() for term in terms]
    digest = hashlib.sha256()
    for example in rows + extras:
        digest.update(f"{example.area}\t{example.text}\n".encode("utf-8"))
    sources = [str(Path(path).resolve().relative_to(ROOT)) if Path(path).resolve().is_relative_to(ROOT)
               else str(path) for path in (*corpus, *references)]
    return TrainingSet(rows, extras, digest.hexdigest(), sources, skipped)
