"""Training the work-area classifier: corpus, model selection, threshold, export (`report-miner train`).

The training set is the labelled sentences in `corpora/training/*.jsonl`, plus two kinds of
extra labels: the headings of the sample reports in `corpora/gold/` (never those of a held-out
report, whose name contains `heldout`) and each area's indicative terms from the taxonomy file.
Cross-validation (stratified, fixed seed) scores only the corpus sentences; the extras join every
training fold. It chooses the classifier's regularisation, then on the out-of-fold probabilities
the fallback threshold (best macro-F1 when low-confidence predictions become `general`) and the
override cut (the lowest confidence at which the sentence model is nearly always right).

Everything is seeded and single-threaded where it matters, so training twice gives the same
model and the same figures; `tests/test_training.py` checks that against `meta.json`.

The skops file is the authoritative model; `inference.npz` and `vocabulary.json` are the same
model as arrays for the numpy-only classify stage. Loading the skops file checks every type it
would create against an explicit allow-list and refuses anything else.
"""
from __future__ import annotations

import hashlib
import json
import platform
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from . import errors
from .evaluate import evaluate, label_scores
from .stages.classify import (BUNDLE_FORMAT, CHAR_NGRAMS, DEFAULT_MODEL_DIR, WORD_NGRAMS, Taxonomy,
                              char_analyzer, load_taxonomy, word_analyzer)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = tuple(sorted((ROOT / "corpora" / "training").glob("*.jsonl")))
DEFAULT_GOLD_DIR = ROOT / "corpora" / "gold"
#: Sample reports kept out of every training step, recognised by name.
HELD_OUT_MARK = "heldout"

SEED = 20221
FOLDS = 5
#: Inverse regularisation strengths tried by cross-validation.
C_GRID = (8.0, 32.0, 128.0)
THRESHOLD_GRID = tuple(round(0.05 * step, 2) for step in range(0, 13))
OVERRIDE_GRID = tuple(round(0.70 + 0.01 * step, 2) for step in range(0, 30))
#: Precision the sentence model must reach before it may overrule a heading. In every sample
#: report each sentence has its heading's area, so only a sentence the model never got wrong out
#: of fold at that confidence may differ from its heading.
OVERRIDE_PRECISION = 1.0

SKOPS_FILE = "area_classifier.skops"
#: Types a trained model may contain beyond skops' defaults: our two analyzers.
TRUSTED_TYPES = frozenset({
    "pipeline.stages.classify.char_analyzer",
    "pipeline.stages.classify.word_analyzer",
})


@dataclass(frozen=True)
class Example:
    text: str
    area: str
    origin: str


@dataclass(frozen=True)
class TrainingSet:
    corpus: list[Example]
    extras: list[Example]
    sha256: str
    sources: list[str]


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
            if area not in taxonomy.labels:
                raise errors.TrainingDataError(path, detail=f"line {number} has area {area!r}, not one of "
                                        f"the taxonomy's labels {', '.join(taxonomy.labels)}")
            examples.append(Example(text, area, f"{path.name}:{row.get('id', number)}"))
    return examples


def sample_report_headings(gold_dir: Path) -> list[Example]:
    """Headings of the sample reports (not the held-out one) with their gold areas."""
    examples = []
    for gold in sorted(gold_dir.glob("*.gold.json")):
        if HELD_OUT_MARK in gold.name:
            continue
        data = json.loads(gold.read_text("utf-8"))
        examples.extend(Example(h["text"], h["area"], f"{gold.name}:heading")
                        for h in data.get("headings", ()))
    return examples


def load_training_set(corpus: Sequence[Path] = DEFAULT_CORPUS, gold_dir: Path | None = DEFAULT_GOLD_DIR,
                      taxonomy: Taxonomy | None = None) -> TrainingSet:
    taxonomy = taxonomy or load_taxonomy()
    if not corpus:
        raise errors.TrainingDataError("corpora/training", detail="no training corpus (*.jsonl) found")
    rows = [example for path in corpus for example in _read_jsonl(Path(path), taxonomy)]
    extras = sample_report_headings(gold_dir) if gold_dir is not None else []
    extras += [Example(term, area, "taxonomy:term")
               for area, terms in taxonomy.terms.items() for term in terms]
    digest = hashlib.sha256()
    for example in rows + extras:
        digest.update(f"{example.area}\t{example.text}\n".encode("utf-8"))
    sources = [str(Path(path).resolve().relative_to(ROOT)) if Path(path).resolve().is_relative_to(ROOT)
               else str(path) for path in corpus]
    return TrainingSet(rows, extras, digest.hexdigest(), sources)


def build_model(c: float):
    """The sklearn Pipeline: word and character tf-idf blocks, multinomial logistic regression.

    newton-cg reaches the same (convex) optimum as the default lbfgs in a quarter of the time on
    these sparse features.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion([
        ("words", TfidfVectorizer(analyzer=word_analyzer, sublinear_tf=True)),
        ("chars", TfidfVectorizer(analyzer=char_analyzer, sublinear_tf=True, min_df=2)),
    ])
    return Pipeline([("features", features),
                     ("classifier", LogisticRegression(C=c, solver="newton-cg", max_iter=200))])


def macro_f1(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> float:
    return float(np.mean([per_label_f1(gold, predicted, label) for label in labels]))


def per_label_f1(gold: Sequence[str], predicted: Sequence[str], label: str) -> float:
    return label_scores(list(zip(gold, predicted)), label)[2]


def _with_fallback(probabilities: np.ndarray, labels: Sequence[str], fallback: str,
                   threshold: float) -> list[str]:
    best = probabilities.argmax(axis=1)
    return [labels[b] if probabilities[row, b] >= threshold else fallback
            for row, b in enumerate(best)]


def out_of_fold(training: TrainingSet, labels: Sequence[str], c: float) -> np.ndarray:
    """Probabilities for every corpus example from a model that never saw it."""
    from sklearn.model_selection import StratifiedKFold

    texts = [example.text for example in training.corpus]
    areas = [example.area for example in training.corpus]
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    probabilities = np.zeros((len(texts), len(labels)))
    for fit_rows, test_rows in folds.split(texts, areas):
        model = build_model(c)
        model.fit([texts[i] for i in fit_rows] + [e.text for e in training.extras],
                  [areas[i] for i in fit_rows] + [e.area for e in training.extras])
        columns = [list(model.classes_).index(label) for label in labels]
        probabilities[test_rows] = model.predict_proba([texts[i] for i in test_rows])[:, columns]
    return probabilities


def choose_override(probabilities: np.ndarray, gold: Sequence[str], labels: Sequence[str]) -> float:
    """Lowest confidence above which the sentence model reaches `OVERRIDE_PRECISION`."""
    best = probabilities.argmax(axis=1)
    top = probabilities.max(axis=1)
    for cut in OVERRIDE_GRID:
        chosen = top >= cut
        if chosen.any():
            right = sum(labels[best[row]] == gold[row] for row in np.flatnonzero(chosen))
            if right / chosen.sum() >= OVERRIDE_PRECISION:
                return cut
    return 1.01  # never confident enough: headings always decide


def train(output: Path = DEFAULT_MODEL_DIR, *, corpus: Sequence[Path] = DEFAULT_CORPUS,
          gold_dir: Path | None = DEFAULT_GOLD_DIR, taxonomy_name: str | Path = "united_front") -> dict:
    """Select, fit and save the model in `output`; write meta.json and MODEL_CARD.md; return the meta."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        # One BLAS thread: on a busy machine the default thread pool made fitting ten times
        # slower, and a fixed thread count keeps floating-point sums in one order.
        return _train(output, corpus, gold_dir, taxonomy_name)


def _train(output: Path, corpus: Sequence[Path], gold_dir: Path | None,
           taxonomy_name: str | Path) -> dict:
    import sklearn
    import skops.io

    from .stages.classify import load_model

    started = time.perf_counter()
    taxonomy = load_taxonomy(taxonomy_name)
    labels = list(taxonomy.labels)
    training = load_training_set(corpus, gold_dir, taxonomy)
    gold = [example.area for example in training.corpus]

    search = {c: out_of_fold(training, labels, c) for c in C_GRID}
    selection = {c: macro_f1(gold, [labels[i] for i in p.argmax(axis=1)], labels) for c, p in search.items()}
    c = max(C_GRID, key=lambda value: selection[value])  # ties go to the stronger regularisation
    probabilities = search[c]
    threshold = max(THRESHOLD_GRID, key=lambda t: (macro_f1(
        gold, _with_fallback(probabilities, labels, taxonomy.fallback, t), labels), -t))
    predicted = _with_fallback(probabilities, labels, taxonomy.fallback, threshold)

    model = build_model(c)
    model.fit([e.text for e in training.corpus + training.extras],
              [e.area for e in training.corpus + training.extras])
    if list(model.classes_) != sorted(labels):
        raise errors.TrainingDataError(output, detail="the corpus does not cover every label of the taxonomy")
    output.mkdir(parents=True, exist_ok=True)
    words, chars = (vectorizer for _, vectorizer in model.named_steps["features"].transformer_list)
    skops.io.dump(model, output / SKOPS_FILE, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    _export_arrays(model, labels, output)

    meta = {
        "bundle_format": BUNDLE_FORMAT,
        "taxonomy": taxonomy.id,
        "labels": labels,
        "fallback": taxonomy.fallback,
        "threshold": threshold,
        "override": choose_override(probabilities, gold, labels),
        "model": {"classifier": "LogisticRegression (multinomial, newton-cg)", "C": c,
                  "features": {"word_ngrams": list(WORD_NGRAMS), "char_ngrams": list(CHAR_NGRAMS),
                               "weighting": "sublinear tf-idf, l2-normalised per block",
                               "words": len(words.vocabulary_), "chars": len(chars.vocabulary_)}},
        "cross_validation": {
            "folds": FOLDS, "seed": SEED, "examples": len(gold),
            "macro_f1_by_C": {str(value): round(f1, 4) for value, f1 in selection.items()},
            "macro_f1": round(macro_f1(gold, predicted, labels), 4),
            "accuracy": round(float(np.mean([g == p for g, p in zip(gold, predicted)])), 4),
            "per_area_f1": {label: round(per_label_f1(gold, predicted, label), 4) for label in labels},
        },
        "corpus": {"sha256": training.sha256, "files": training.sources,
                   "sentences": len(training.corpus), "extra_examples": len(training.extras)},
        "versions": {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                     **{name: metadata.version(name) for name in ("skops", "numpy", "scipy", "rjieba")}},
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    (output / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", "utf-8")
    load_model.cache_clear()  # a model of the same folder may be loaded already
    if gold_dir is not None:
        meta["sample_reports"] = _score_sample_reports(gold_dir, output)
        (output / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", "utf-8")
    (output / "MODEL_CARD.md").write_text(model_card(meta), "utf-8")
    return meta


def _score_sample_reports(gold_dir: Path, model_dir: Path) -> dict:
    """Whole-pipeline area figures on the sample reports: the held-out one apart from the rest."""
    groups = {"development": [], "held_out": []}
    for gold in sorted(gold_dir.glob("*.gold.json")):
        groups["held_out" if HELD_OUT_MARK in gold.name else "development"].append(gold)
    figures = {}
    for group, paths in groups.items():
        if paths:
            result = evaluate(paths, model_dir=model_dir)
            figures[group] = {"documents": result.documents, "sentences": len(result.sentences),
                              "macro_f1": round(result.macro_f1, 4),
                              "accuracy": round(result.accuracy, 4),
                              "heading_area_accuracy": result.heading_accuracy}
    return figures


def model_card(meta: dict) -> str:
    """The model card, written from the figures in `meta`."""
    validation = meta["cross_validation"]
    lines = [
        "# Work-area classifier",
        "",
        "Written by `report-miner train` from `meta.json`; do not edit by hand.",
        "",
        "## What it does",
        f"Assigns each sentence and section of a Chinese United Front work report one of the "
        f"{len(meta['labels']) - 1} work areas of the `{meta['taxonomy']}` taxonomy "
        f"(`pipeline/data/taxonomy/{meta['taxonomy']}.json`) or `{meta['fallback']}`. "
        "The classify stage combines it with the document's headings (see `pipeline/stages/classify.py`).",
        "",
        "## Model",
        f"{meta['model']['classifier']}, C = {meta['model']['C']} (chosen by cross-validated macro-F1 "
        f"among {', '.join(validation['macro_f1_by_C'])}), over sublinear tf-idf word "
        f"{tuple(meta['model']['features']['word_ngrams'])}-grams of the project's jieba tokens "
        f"({meta['model']['features']['words']} features) and character "
        f"{tuple(meta['model']['features']['char_ngrams'])}-grams ({meta['model']['features']['chars']} "
        "features, seen at least twice). A calibrated linear SVM scored within 0.005 macro-F1 of it "
        "in cross-validation (within the noise of five sentences); logistic regression was kept "
        "because its probabilities need no calibration and it exports as one matrix.",
        "",
        f"Fallback threshold {meta['threshold']} (best out-of-fold macro-F1; below it a prediction "
        f"becomes `{meta['fallback']}`); override cut {meta['override']} (the lowest confidence "
        "at which the sentence model made no out-of-fold error; only above it may a sentence "
        "differ from its heading).",
        "",
        "Files: `area_classifier.skops` (authoritative; loaded with an allow-list of types), "
        "`inference.npz` + `vocabulary.json` (the same model as arrays, scored with numpy by the "
        "pipeline), `meta.json`.",
        "",
        "## Data",
        f"{meta['corpus']['sentences']} labelled sentences written for this project "
        f"({', '.join(meta['corpus']['files'])}): invented places and years, formal summaries, "
        "news items, speeches, plans and headings, with hard cases. Plus "
        f"{meta['corpus']['extra_examples']} extra examples: the headings of the sample reports in "
        "`corpora/gold/` (never the held-out report) and the taxonomy's indicative terms. "
        f"Corpus sha256 `{meta['corpus']['sha256'][:16]}…`.",
        "",
        "## Figures",
        f"Cross-validation ({validation['folds']} stratified folds, seed {validation['seed']}, "
        f"over the {validation['examples']} corpus sentences; the extras join every training fold): "
        f"macro-F1 **{validation['macro_f1']}**, accuracy {validation['accuracy']}.",
        "",
        "| area | F1 |", "|---|---|",
        *(f"| {label} | {f1} |" for label, f1 in validation["per_area_f1"].items()),
        "",
    ]
    for group, figures in meta.get("sample_reports", {}).items():
        lines.append(
            f"Whole pipeline on the {group.replace('_', '-')} sample reports "
            f"({', '.join(figures['documents'])}; their sentences were never trained on): "
            f"macro-F1 **{figures['macro_f1']}**, accuracy {figures['accuracy']} over "
            f"{figures['sentences']} sentences, heading area accuracy {figures['heading_area_accuracy']}.")
        lines.append("")
    lines += [
        f"Training time: {meta['training_seconds']} s (selection, final fit and export) with "
        f"scikit-learn {meta['versions']['scikit-learn']}, Python {meta['versions']['python']}.",
        "",
        "## Limits",
        "All training text was written for this project, about invented places; real reports use "
        "more varied wording. Areas overlap in practice (a private firm funding rural "
        "revitalisation, a democratic-party member who is also a non-Party intellectual): a "
        "sentence gets the one area its heading or wording puts first. Retrain with "
        "`report-miner train` after changing the corpus or the taxonomy.",
        "",
    ]
    return "\n".join(lines)


def _export_arrays(model, labels: Sequence[str], output: Path) -> None:
    """Write the fitted vectorisers and coefficients as arrays for the numpy-only stage."""
    words, chars = (vectorizer for _, vectorizer in model.named_steps["features"].transformer_list)
    classifier = model.named_steps["classifier"]
    rows = [list(classifier.classes_).index(label) for label in labels]
    np.savez(output / "inference.npz", idf_words=words.idf_, idf_chars=chars.idf_,
             coef=classifier.coef_[rows], intercept=classifier.intercept_[rows])
    vocabulary = {"words": {k: int(v) for k, v in sorted(words.vocabulary_.items())},
                  "chars": {k: int(v) for k, v in sorted(chars.vocabulary_.items())}}
    (output / "vocabulary.json").write_text(json.dumps(vocabulary, ensure_ascii=False), "utf-8")


def load_skops_model(model_dir: Path = DEFAULT_MODEL_DIR):
    """The authoritative sklearn Pipeline, loaded only if every type in it is allowed."""
    import sklearn
    import skops.io

    path = Path(model_dir) / SKOPS_FILE
    if not path.exists():
        raise errors.ModelError(path, detail="no skops model here; run `report-miner train`")
    meta = json.loads((Path(model_dir) / "meta.json").read_text("utf-8"))
    trained_with = meta["versions"]["scikit-learn"]
    if trained_with.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        raise errors.ModelError(path, detail=f"trained with scikit-learn {trained_with}, this is "
                                f"{sklearn.__version__}; retrain with `report-miner train`")
    untrusted = set(skops.io.get_untrusted_types(file=path))
    refused = untrusted - TRUSTED_TYPES
    if refused:
        raise errors.ModelError(path, detail="refusing to load types outside the allow-list: "
                                + ", ".join(sorted(refused)))
    return skops.io.load(path, trusted=sorted(untrusted))
