"""Training the work-area classifier: corpus, model selection, threshold, export (`report-miner train`).

The training set (`pipeline.training_set`) is the project's labelled sentences, sentences of the
government work reports labelled by reference, and extras: sample-report headings and taxonomy terms.

Cross-validation is grouped by document: a government report's sentences stay in one fold
(GroupKFold); each handwritten sentence was written on its own and is its own group. It scores
only the corpus sentences (the extras join every training fold) and chooses the classifier's
regularisation.

The inference settings (`heading_weight`, `override`, `threshold`, `neighbour_weight`,
`document_weight`; see `pipeline/stages/classify.py`) are then chosen over whole documents with
gold areas: the
development sample reports, the seed and the real reports in `../shared` where present (never a
held-out report). Each setting of the grid is scored by its mean per-document area accuracy; the
estimate recorded beside the choice comes from grouped cross-validation over those documents
(the setting chosen on the other folds, scored on the held-out fold).

Everything is seeded and single-threaded where it matters, so training twice gives the same
model and the same figures; `tests/test_training.py` checks that against `meta.json`.

The skops file is the authoritative model; `inference.npz` and `vocabulary.json` are the same
model as arrays for the numpy-only classify stage. Loading the skops file checks every type it
would create against an explicit allow-list and refuses anything else.
"""
from __future__ import annotations

import json
import platform
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

import numpy as np

from . import errors
from .evaluate import evaluate, label_scores
from .area_model import BUNDLE_FORMAT, CHAR_NGRAMS, DEFAULT_MODEL_DIR, WORD_NGRAMS
from .stages.classify import char_analyzer, word_analyzer
from .taxonomy import load_taxonomy
from .training_set import (DEFAULT_CORPUS, DEFAULT_GOLD_DIR, HELD_OUT_MARK, SHARED_DIR, TrainingSet,
                           load_training_set)

#: Gold folders in `SHARED_DIR` whose documents the inference settings are chosen over.
SHARED_GOLD_DIRS = ("gold", "real/gold")

SEED = 20221
FOLDS = 5
#: Inverse regularisation strengths tried by cross-validation.
C_GRID = (8.0, 32.0, 128.0)
#: The inference settings tried over documents.
HEADING_WEIGHT_GRID = (0.0, 0.2, 0.4, 0.6, 0.8)
OVERRIDE_GRID = (0.5, 0.6, 0.7, 0.8, 0.9, 1.01)  # 1.01: a heading is never overruled
THRESHOLD_GRID = (0.0, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6)
NEIGHBOUR_WEIGHT_GRID = (0.0, 0.3, 0.5, 0.7, 0.85)
DOCUMENT_WEIGHT_GRID = (0.0, 0.15, 0.3)

SKOPS_FILE = "area_classifier.skops"
#: Types a trained model may contain beyond skops' defaults: our two analyzers.
TRUSTED_TYPES = frozenset({
    "pipeline.stages.classify.char_analyzer",
    "pipeline.stages.classify.word_analyzer",
})


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


def out_of_fold(training: TrainingSet, labels: Sequence[str], c: float) -> np.ndarray:
    """Probabilities for every corpus example from a model that saw no sentence of its document."""
    from sklearn.model_selection import StratifiedGroupKFold

    texts = [example.text for example in training.corpus]
    areas = [example.area for example in training.corpus]
    folds = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    probabilities = np.zeros((len(texts), len(labels)))
    for fit_rows, test_rows in folds.split(texts, areas, [example.group for example in training.corpus]):
        model = build_model(c)
        model.fit([texts[i] for i in fit_rows] + [e.text for e in training.extras],
                  [areas[i] for i in fit_rows] + [e.area for e in training.extras])
        columns = [list(model.classes_).index(label) for label in labels]
        probabilities[test_rows] = model.predict_proba([texts[i] for i in test_rows])[:, columns]
    return probabilities


def refuse_to_overwrite(output: Path, *, force: bool) -> str | None:
    """Why training must not write into `output` unless forced (None when it may): the shipped
    model is part of the package, and any other folder with files in it may be someone's model."""
    if force:
        return None
    if output.exists() and output.resolve() == DEFAULT_MODEL_DIR.resolve():
        return (f"{output} is the model shipped with report-miner; train into a new folder "
                "(-o DIR), or give --force to replace the shipped model")
    if output.is_dir() and any(output.iterdir()):
        return f"{output} is not empty; train into a new folder (-o DIR), or give --force"
    if output.exists() and not output.is_dir():
        return f"{output} is a file, not a folder"
    return None


def train(output: Path, *, corpus: Sequence[Path] = DEFAULT_CORPUS,
          gold_dir: Path | None = DEFAULT_GOLD_DIR, taxonomy_name: str | Path = "united_front",
          shared: Path = SHARED_DIR) -> dict:
    """Select, fit and save the model in `output`; write meta.json and MODEL_CARD.md; return the meta."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        # One BLAS thread: on a busy machine the default thread pool made fitting ten times
        # slower, and a fixed thread count keeps floating-point sums in one order.
        return _train(output, corpus, gold_dir, taxonomy_name, shared)


def _train(output: Path, corpus: Sequence[Path], gold_dir: Path | None,
           taxonomy_name: str | Path, shared: Path) -> dict:
    import sklearn
    import skops.io

    from .area_model import load_model

    started = time.perf_counter()
    taxonomy = load_taxonomy(taxonomy_name)
    labels = list(taxonomy.labels)
    training = load_training_set(corpus, gold_dir, taxonomy, shared=shared)
    for reason in training.skipped:
        print(f"report-miner train: {reason}", file=sys.stderr)
    gold = [example.area for example in training.corpus]

    search = {c: out_of_fold(training, labels, c) for c in C_GRID}
    selection = {c: macro_f1(gold, [labels[i] for i in p.argmax(axis=1)], labels) for c, p in search.items()}
    c = max(C_GRID, key=lambda value: selection[value])  # ties go to the stronger regularisation
    predicted = [labels[i] for i in search[c].argmax(axis=1)]

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
                   "sentences": len(training.corpus), "extra_examples": len(training.extras),
                   "by_origin": dict(sorted(Counter(e.origin.split(":")[0] for e in training.corpus).items())),
                   "skipped": training.skipped},
        "versions": {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                     **{name: metadata.version(name) for name in ("skops", "numpy", "scipy", "rjieba")}},
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    (output / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", "utf-8")
    load_model.cache_clear()  # a model of the same folder may be loaded already
    meta["inference"] = choose_inference(output, inference_documents(gold_dir, shared))
    (output / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", "utf-8")
    load_model.cache_clear()
    if gold_dir is not None:
        meta["sample_reports"] = _score_sample_reports(gold_dir, output)
        (output / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", "utf-8")
    (output / "MODEL_CARD.md").write_text(model_card(meta), "utf-8")
    return meta


def inference_documents(gold_dir: Path | None, shared: Path = SHARED_DIR) -> list[Path]:
    """Gold files the inference settings are chosen over: never a held-out report."""
    folders = ([gold_dir] if gold_dir is not None else []) + [shared / name for name in SHARED_GOLD_DIRS]
    return [gold for folder in folders for gold in sorted(folder.glob("*.gold.json"))
            if HELD_OUT_MARK not in gold.name]


def inference_grid() -> list:
    """Every combination of the inference settings tried, in a fixed order."""
    from .area_model import InferenceSettings

    return [InferenceSettings(heading_weight=h, override=o, threshold=t, neighbour_weight=n, document_weight=d)
            for h in HEADING_WEIGHT_GRID for o in OVERRIDE_GRID for t in THRESHOLD_GRID
            for n in NEIGHBOUR_WEIGHT_GRID for d in DOCUMENT_WEIGHT_GRID if n + d <= 1]


def document_accuracy(model_dir: Path, documents: Sequence[Path], grid: Sequence) -> tuple[list[str], np.ndarray]:
    """Names of the documents and accuracy[document, setting]: the share of a document's gold
    sentences given their gold area under each setting of `grid`."""
    from .evaluate import overlaps, prepare, voted_areas
    from .area_model import load_model
    from .stages.classify import AreaAssigner

    assigner = AreaAssigner(load_model(str(model_dir)), settings=grid[0])
    prepared = prepare(documents)
    if not prepared:
        raise errors.TrainingDataError(model_dir, detail="no gold documents to choose the inference settings on")
    accuracy = np.zeros((len(prepared), len(grid)))
    for row, document in enumerate(prepared):
        evidence = assigner.evidence(document.draft)
        shared_chars = overlaps(document.draft.sentences, document.gold)
        gold = [item["area"] for item in document.gold["sentences"]]
        for column, settings in enumerate(grid):
            areas = assigner.labels(assigner.combine(evidence, settings), settings)
            voted = voted_areas(shared_chars, areas)
            accuracy[row, column] = np.mean([g == v for g, v in zip(gold, voted)]) if gold else 1.0
    return [document.name for document in prepared], accuracy


def choose_inference(model_dir: Path, documents: Sequence[Path]) -> dict:
    """The inference settings with the best mean per-document area accuracy, and their CV estimate."""
    from sklearn.model_selection import GroupKFold

    from .area_model import InferenceSettings

    grid = inference_grid()
    names, accuracy = document_accuracy(model_dir, documents, grid)

    def best(rows: Sequence[int]) -> int:  # the first best in grid order: ties go to the smaller values
        return int(accuracy[list(rows)].mean(axis=0).argmax())

    held_out = np.zeros(len(names))
    folds = GroupKFold(n_splits=min(FOLDS, len(names)))
    for fit_rows, test_rows in folds.split(accuracy, groups=range(len(names))):
        held_out[test_rows] = accuracy[test_rows, best(fit_rows)]
    chosen = best(range(len(names)))
    sentence_model_alone = grid.index(InferenceSettings(heading_weight=0.0, override=1.01, threshold=0.0,
                                                        neighbour_weight=0.0, document_weight=0.0))
    return {
        "settings": asdict(grid[chosen]),
        "chosen_by": "mean per-document area accuracy over the documents below; grid "
                     f"heading_weight {list(HEADING_WEIGHT_GRID)}, override {list(OVERRIDE_GRID)}, "
                     f"threshold {list(THRESHOLD_GRID)}, neighbour_weight {list(NEIGHBOUR_WEIGHT_GRID)}, "
                     f"document_weight {list(DOCUMENT_WEIGHT_GRID)} (neighbour and document weights "
                     "summing to 1 at most)",
        "documents": names,
        "folds": min(FOLDS, len(names)),
        "mean_document_accuracy": round(float(accuracy[:, chosen].mean()), 4),
        "cross_validated_mean_document_accuracy": round(float(held_out.mean()), 4),
        "sentence_model_alone_mean_document_accuracy": round(float(accuracy[:, sentence_model_alone].mean()), 4),
    }


def _score_sample_reports(gold_dir: Path, model_dir: Path) -> dict:
    """Whole-pipeline area figures on the sample reports: the held-out one apart from the rest."""
    groups: dict[str, list[Path]] = {"development": [], "held_out": []}
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
    inference = meta["inference"]
    corpus = meta["corpus"]
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
        "## Inference settings",
        f"heading_weight {inference['settings']['heading_weight']} (a heading's share of a sentence's "
        "scores is this times the heading's own top score, so a vague heading says little), "
        f"override {inference['settings']['override']} (a sentence at least this sure of another "
        "area than its heading's keeps its own), "
        f"threshold {inference['settings']['threshold']} (below it a sentence abstains to "
        f"`{meta['fallback']}`), neighbour_weight {inference['settings']['neighbour_weight']} (where no "
        "heading speaks, the share of a sentence's scores taken from its paragraph neighbours), "
        f"document_weight {inference['settings']['document_weight']} (there, the share taken from the "
        "whole document's mean). "
        f"Chosen by {inference['chosen_by']}: "
        f"{', '.join(inference['documents'])}. Mean per-document area accuracy "
        f"{inference['mean_document_accuracy']} with these settings; "
        f"**{inference['cross_validated_mean_document_accuracy']}** estimated by "
        f"{inference['folds']}-fold cross-validation over those documents (settings chosen on the "
        "other folds); the sentence model alone, without headings, neighbours or abstention, "
        f"{inference['sentence_model_alone_mean_document_accuracy']}.",
        "",
        "Files: `area_classifier.skops` (authoritative; loaded with an allow-list of types), "
        "`inference.npz` + `vocabulary.json` (the same model as arrays, scored with numpy by the "
        "pipeline), `meta.json`.",
        "",
        "## Data",
        f"{corpus['sentences']} labelled sentences "
        f"({', '.join(f'{name}: {count}' for name, count in corpus['by_origin'].items())}). "
        "The `.jsonl` sentences were written by hand for this project about invented places: formal "
        "summaries, news items, speeches, plans, headings, the overview, staffing, history and byline "
        "sentences real reports are full of (`general`), and hard negatives for keyword traps. The "
        "`.refs.jsonl` rows label sentences of the government work reports in `../shared/corpora/` by "
        "reference (offsets and a hash; see `corpora/training/README.md`), read from there at training time. "
        + (f"Skipped: {'; '.join(corpus['skipped'])}. " if corpus["skipped"] else "")
        + f"Plus {corpus['extra_examples']} extra examples: the headings of the sample reports in "
        "`corpora/gold/` (never the held-out report) and the taxonomy's indicative terms. "
        f"Corpus sha256 `{corpus['sha256'][:16]}…`.",
        "",
        "## Figures",
        f"Cross-validation ({validation['folds']} stratified folds grouped by document, seed "
        f"{validation['seed']}, over the {validation['examples']} corpus sentences; the extras join "
        "every training fold; argmax of the sentence model alone): "
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
        "`report-miner train -o DIR` after changing the corpus or the taxonomy, and classify with "
        "`report-miner run --model DIR`.",
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
    try:
        meta = json.loads((Path(model_dir) / "meta.json").read_text("utf-8"))
        trained_with = meta["versions"]["scikit-learn"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise errors.ModelError(Path(model_dir) / "meta.json",
                                detail=f"the model's meta.json cannot be read: {type(exc).__name__}: "
                                       f"{exc}") from exc
    if trained_with.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        raise errors.ModelError(path, detail=f"trained with scikit-learn {trained_with}, this is "
                                f"{sklearn.__version__}; retrain with `report-miner train`")
    try:
        untrusted = set(skops.io.get_untrusted_types(file=path))
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        raise errors.ModelError(path, detail=f"not a skops model file ({type(exc).__name__}: {exc}); "
                                             "a pickle renamed .skops is refused, never loaded") from exc
    refused = untrusted - TRUSTED_TYPES
    if refused:
        raise errors.ModelError(path, detail="refusing to load types outside the allow-list: "
                                + ", ".join(sorted(refused)))
    return skops.io.load(path, trusted=sorted(untrusted))
