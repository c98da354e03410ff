"""Scoring work areas against gold files (`report-miner evaluate GOLD...`).

Runs the whole pipeline on each gold file's report and compares areas as `../shared/tools/score.py`
does: each gold sentence takes the area of the predicted sentences overlapping it most, each
gold heading the area of the predicted heading covering it. The figures are pooled over all the
gold files given: per-area precision, recall and F1, their macro average, and a confusion matrix.

A gold file's report is found beside it: `corpora/gold/X.gold.json` reads
`corpora/reports/X.txt`, `../shared/gold/X.gold.json` reads `../shared/seeds/X.txt`.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import errors
from .records import Report

#: Folders, beside a gold file's folder, that may hold its report text.
TEXT_FOLDERS = ("reports", "seeds")
UNMATCHED = "(none)"


def text_for(gold_path: Path) -> Path:
    """The report text that `gold_path` annotates."""
    stem = gold_path.name.removesuffix(".gold.json")
    for folder in TEXT_FOLDERS:
        candidate = gold_path.parent.parent / folder / f"{stem}.txt"
        if candidate.exists():
            return candidate
    raise errors.TrainingDataError(gold_path, detail=(
        f"cannot find its report text {stem}.txt in a "
        + " or ".join(f"../{folder}/" for folder in TEXT_FOLDERS) + " folder beside it; pass --text"))


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def sentence_pairs(report: Report, gold: dict) -> list[tuple[str, str]]:
    """(gold area, predicted area) per gold sentence, by largest overlap."""
    pairs = []
    for item in gold["sentences"]:
        votes: Counter[str] = Counter()
        for sentence in report.sentences:
            votes[sentence.area] += _overlap(sentence.start, sentence.end, item["start"], item["end"])
        best = votes.most_common(1)
        pairs.append((item["area"], best[0][0] if best and best[0][1] else UNMATCHED))
    return pairs


def heading_pairs(report: Report, gold: dict) -> list[tuple[str, str]]:
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
        return "\n".join(lines)


def evaluate(gold_paths: Sequence[str | Path], *, text: str | Path | None = None,
             model_dir: str | Path | None = None) -> Evaluation:
    """Run the pipeline on each gold file's report and pool the area comparisons."""
    from .runner import DEFAULT_STAGES, Pipeline
    from .stages.classify import load_model
    from .stages.ingest import read_document

    if text is not None and len(gold_paths) != 1:
        raise errors.TrainingDataError(text, detail="--text names the report of one gold file; give one")
    options = {"classify": {"model_dir": model_dir}} if model_dir is not None else {}
    # Areas depend only on the stages up to classify; later stages would cost time, not change them.
    pipeline = Pipeline(DEFAULT_STAGES[:DEFAULT_STAGES.index("classify") + 1], options=options)
    model = load_model(str(model_dir) if model_dir is not None else None)
    result = Evaluation(labels=model.labels)
    for gold_path in map(Path, gold_paths):
        try:
            gold = json.loads(gold_path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise errors.TrainingDataError(gold_path, detail=f"not a readable gold file: {exc}") from exc
        if "sentences" not in gold:
            raise errors.TrainingDataError(gold_path, detail="not a gold file: it has no `sentences`")
        document = read_document(Path(text) if text is not None else text_for(gold_path))
        report = pipeline.process_document(document)
        result.sentences += sentence_pairs(report, gold)
        result.headings += heading_pairs(report, gold)
        result.documents.append(gold_path.name.removesuffix(".gold.json"))
    return result
