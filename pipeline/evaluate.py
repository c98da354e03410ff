"""Scoring work areas against gold files (`report-miner evaluate GOLD|FOLDER...`).

Runs the pipeline up to the classify stage on each gold file's report and compares areas as
`../shared/tools/score.py` does: each gold sentence takes the area of the predicted sentences
overlapping it most, each gold heading the area of the predicted heading covering it. The figures
are pooled over all the gold files given: per-area precision, recall and F1, their macro average,
a confusion matrix, each document's accuracy, and the worst sentences (wrong, and most sure).

A gold file's report is found beside it: `corpora/gold/X.gold.json` reads
`corpora/reports/X.txt`, `../shared/gold/X.gold.json` reads `../shared/seeds/X.txt`,
`../shared/real/gold/X.gold.json` reads `../shared/real/X.txt`. A folder stands for the gold
files in it or in its `gold/` subfolder.

The same prepared documents serve training, which chooses the inference settings over them
(`pipeline/training.py`): the model's evidence is computed once per document and recombined
under each candidate setting.
"""
from __future__ import annotations

import json
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import errors
from .draft import Draft
from .records import Report, Sentence

#: Folders, beside a gold file's folder, that may hold its report text ("": the parent itself).
TEXT_FOLDERS = ("reports", "seeds", "")
UNMATCHED = "(none)"
#: How many wrong sentences `to_text` lists.
WORST_SHOWN = 15


def gold_files(paths: Sequence[str | Path]) -> list[Path]:
    """The gold files named, a folder standing for the `*.gold.json` in it or in its `gold/`."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            inside = sorted(path.glob("*.gold.json")) or sorted((path / "gold").glob("*.gold.json"))
            if not inside:
                raise errors.TrainingDataError(path, detail="no *.gold.json in it or in its gold/ folder")
            found += inside
        else:
            found.append(path)
    return found


def text_for(gold_path: Path) -> Path:
    """The report text that `gold_path` annotates."""
    stem = gold_path.name.removesuffix(".gold.json")
    for folder in TEXT_FOLDERS:
        candidate = gold_path.parent.parent / folder / f"{stem}.txt"
        if candidate.exists():
            return candidate
    raise errors.TrainingDataError(gold_path, detail=(
        f"cannot find its report text {stem}.txt in "
        + ", ".join(f"../{folder}" for folder in TEXT_FOLDERS) + " beside it; pass --text"))


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def overlaps(sentences: Sequence[Sentence], gold: dict) -> list[list[tuple[int, int]]]:
    """Per gold sentence: (row of a predicted sentence, characters shared) for those overlapping it."""
    starts = [sentence.start for sentence in sentences]
    found = []
    for item in gold["sentences"]:
        row = max(bisect_right(starts, item["start"]) - 1, 0)
        shared = []
        while row < len(sentences) and sentences[row].start < item["end"]:
            size = _overlap(sentences[row].start, sentences[row].end, item["start"], item["end"])
            if size:
                shared.append((row, size))
            row += 1
        found.append(shared)
    return found


def voted_areas(shared: Sequence[Sequence[tuple[int, int]]], areas: Sequence[str]) -> list[str]:
    """Per gold sentence, the predicted area covering most of it (`areas`: one per predicted row)."""
    voted = []
    for pieces in shared:
        votes: Counter[str] = Counter()
        for row, size in pieces:
            votes[areas[row]] += size
        voted.append(votes.most_common(1)[0][0] if votes else UNMATCHED)
    return voted


def sentence_pairs(report: Report | Draft, gold: dict) -> list[tuple[str, str]]:
    """(gold area, predicted area) per gold sentence, by largest overlap."""
    areas = [sentence.area for sentence in report.sentences]
    return [(item["area"], area) for item, area in
            zip(gold["sentences"], voted_areas(overlaps(report.sentences, gold), areas))]


def heading_pairs(report: Report | Draft, gold: dict) -> list[tuple[str, str]]:
    """(gold area, predicted area) per gold heading, matched on half-overlap either way."""
    pairs = []
    for item in gold.get("headings", ()):
        length = item["end"] - item["start"]
        found = UNMATCHED
        for section in report.sections:
            heading = section.heading
            if heading is None:
                continue
            shared = _overlap(heading.start, heading.end, item["start"], item["end"])
            if shared >= 0.5 * length and shared >= 0.5 * (heading.end - heading.start):
                found = section.area
                break
        pairs.append((item["area"], found))
    return pairs


def label_scores(pairs: Sequence[tuple[str, str]], label: str) -> tuple[float, float, float, int]:
    """Precision, recall, F1 and support of `label` over (gold, predicted) pairs."""
    tp = sum(g == label and p == label for g, p in pairs)
    predicted = sum(p == label for _, p in pairs)
    support = sum(g == label for g, _ in pairs)
    precision = tp / predicted if predicted else 0.0
    recall = tp / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, support


@dataclass
class Evaluation:
    """Pooled (gold, predicted) area pairs of sentences and headings."""

    labels: tuple[str, ...]
    sentences: list[tuple[str, str]] = field(default_factory=list)
    headings: list[tuple[str, str]] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    #: Per document: (name, sentences, sentences right).
    per_document: list[tuple[str, int, int]] = field(default_factory=list)
    #: Wrong sentences: (confidence of the wrong area, document, gold area, predicted area, text).
    misses: list[tuple[float, str, str, str, str]] = field(default_factory=list)

    def scores(self, label: str) -> tuple[float, float, float, int]:
        """Precision, recall, F1 and support of `label` over the sentences."""
        return label_scores(self.sentences, label)

    @property
    def present_labels(self) -> list[str]:
        """Labels that occur in the gold or the predictions: the ones a macro average is over."""
        seen = {g for g, _ in self.sentences} | {p for _, p in self.sentences}
        return [label for label in self.labels if label in seen]

    @property
    def macro_f1(self) -> float:
        labels = self.present_labels
        return sum(self.scores(label)[2] for label in labels) / len(labels) if labels else 0.0

    @property
    def accuracy(self) -> float:
        return sum(g == p for g, p in self.sentences) / len(self.sentences) if self.sentences else 0.0

    @property
    def heading_accuracy(self) -> float | None:
        return sum(g == p for g, p in self.headings) / len(self.headings) if self.headings else None

    def confusion(self) -> dict[str, Counter[str]]:
        table: dict[str, Counter[str]] = {label: Counter() for label in self.labels}
        for gold, predicted in self.sentences:
            table.setdefault(gold, Counter())[predicted] += 1
        return table

    def to_text(self) -> str:
        width = max(len(label) for label in self.labels)
        lines = [f"documents: {', '.join(self.documents)}",
                 f"sentences: {len(self.sentences)}  accuracy {self.accuracy:.4f}  "
                 f"macro-F1 {self.macro_f1:.4f}"]
        if self.heading_accuracy is not None:
            lines.append(f"headings: {len(self.headings)}  area accuracy {self.heading_accuracy:.4f}")
        lines += ["", f"{'area':<{width}}  precision  recall     F1  support"]
        for label in self.labels:
            precision, recall, f1, support = self.scores(label)
            lines.append(f"{label:<{width}}  {precision:9.4f}  {recall:6.4f}  {f1:5.4f}  {support:7d}")
        columns = list(self.labels) + ([UNMATCHED] if any(p == UNMATCHED for _, p in self.sentences) else [])
        short = [str(number) for number in range(1, len(columns) + 1)]
        lines += ["", "confusion (rows: gold, columns: predicted, numbered as the rows)",
                  f"{'':<{width + 4}}" + "".join(f"{name:>5}" for name in short)]
        table = self.confusion()
        for number, label in enumerate(self.labels, 1):
            counts = table.get(label, Counter())
            lines.append(f"{number:>2}. {label:<{width}}" + "".join(f"{counts[c]:>5}" for c in columns))
        if UNMATCHED in columns:
            lines.append(f"column {len(columns)}: gold sentences no predicted sentence overlaps")
        lines += ["", "per document (accuracy, sentences)"]
        lines += [f"  {right / total if total else 1.0:6.3f}  {total:4d}  {name}"
                  for name, total, right in sorted(self.per_document, key=lambda d: d[2] / max(d[1], 1))]
        if self.misses:
            lines += ["", f"worst sentences (wrong, most confident first; {len(self.misses)} wrong in all)"]
            worst = sorted(self.misses, key=lambda miss: -miss[0])[:WORST_SHOWN]
            for confidence, document, gold, predicted, text in worst:
                lines.append(f"  {confidence:.2f}  {document}: {gold} -> {predicted}  {text[:60]}")
        return "\n".join(lines)


@dataclass
class PreparedDocument:
    """A gold file with its report taken through every stage before classify."""

    name: str
    gold: dict
    draft: Draft


def prepare(gold_paths: Sequence[str | Path], *, text: str | Path | None = None) -> list[PreparedDocument]:
    """Read each gold file and run its report through the stages classify builds on."""
    from .runner import DEFAULT_STAGES, Pipeline
    from .stages.ingest import read_document
    from .textnorm import fold

    if text is not None and len(gold_paths) != 1:
        raise errors.TrainingDataError(text, detail="--text names the report of one gold file; give one")
    pipeline = Pipeline(DEFAULT_STAGES[:DEFAULT_STAGES.index("classify")], keep_tokens=True)
    prepared = []
    for gold_path in map(Path, gold_paths):
        try:
            gold = json.loads(gold_path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise errors.TrainingDataError(gold_path, detail=f"not a readable gold file: {exc}") from exc
        if "sentences" not in gold:
            raise errors.TrainingDataError(gold_path, detail="not a gold file: it has no `sentences`")
        report = pipeline.process_document(read_document(Path(text) if text is not None else text_for(gold_path)))
        draft = Draft(text=report.text, folded=fold(report.text), meta=report.document,
                      sections=list(report.sections), paragraphs=list(report.paragraphs),
                      sentences=list(report.sentences))
        draft.tokens = report.tokens or ()
        prepared.append(PreparedDocument(gold_path.name.removesuffix(".gold.json"), gold, draft))
    return prepared


def evaluate(gold_paths: Sequence[str | Path], *, text: str | Path | None = None,
             model_dir: str | Path | None = None) -> Evaluation:
    """Classify each gold file's report and pool the area comparisons."""
    from .stages.classify import make_stage

    assign = make_stage(model_dir=model_dir)
    result = Evaluation(labels=assign.model.labels)
    for document in prepare(gold_files(gold_paths), text=text):
        draft = document.draft
        assign(draft)
        pairs = sentence_pairs(draft, document.gold)
        result.sentences += pairs
        result.headings += heading_pairs(draft, document.gold)
        result.documents.append(document.name)
        result.per_document.append((document.name, len(pairs), sum(g == p for g, p in pairs)))
        for item, shared, (gold_area, predicted) in zip(document.gold["sentences"],
                                                        overlaps(draft.sentences, document.gold), pairs):
            if gold_area != predicted:
                confidence = max((draft.sentences[row].area_confidence or 0.0 for row, _ in shared
                                  if draft.sentences[row].area == predicted), default=0.0)
                result.misses.append((confidence, document.name, gold_area, predicted,
                                      draft.text[item["start"]:item["end"]]))
    return result
