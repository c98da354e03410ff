"""Classify: give every sentence and section a work area from the taxonomy, with its scores.

The model is a linear classifier over tf-idf word n-grams (the project's jieba tokens) and
character n-grams, trained by `report-miner train` (`pipeline/training.py`). Its authoritative
form is the skops file in `models/area_classifier/`; beside it training exports the same
vectorisers and coefficients as plain arrays (`inference.npz`, `vocabulary.json`), which this
stage scores with numpy alone. Measured on the development machine: importing scikit-learn and
skops and loading the skops file took 2.5-3.7 s (idle to busy), more than a whole cold
single-report run may take; importing this module and loading the arrays took 0.1-0.2 s, and
classifying a report about 10 ms. A test checks the arrays give the skops model's probabilities.

Inference uses the document's structure, as evidence rather than orders:

* a heading is evidence for the sentences below it in proportion to how clearly it names one
  area: a sentence's scores mix its heading's (and the enclosing headings') scores with its own,
  the heading's share being `heading_weight` times the heading's own top score, so a heading over
  several areas (or none) says little and a heading naming one area says much;
* a sentence whose own model is at least `override` sure of an area other than its heading's
  keeps its own area: clear sentence evidence wins;
* in a document with headings, the lead before the first heading leans to the fallback
  (`general`); a sentence no heading speaks for (all of them, in a document without headings)
  is blended with its paragraph neighbours, `neighbour_weight` to their mean, and with the whole
  document, `document_weight` to its mean;
* a sentence whose best combined score is below `threshold` abstains to `general`: no area is
  clearly supported.

`heading_weight`, `override`, `threshold`, `neighbour_weight` and `document_weight` are
`meta.json`'s `inference` settings, chosen by `report-miner train` over whole documents, with an
estimate of their accuracy by cross-validation over documents (see `pipeline/training.py`).
Every sentence carries its combined `area_scores` and `area_confidence`, the combined score of
the area it was given (low for a sentence that abstained to `general`).

A section with a heading takes its area from the heading mixed with its sentences' own scores;
a section without one, from its sentences.
"""
from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from .. import errors
from ..data import read_json
from ..draft import Draft
from ..records import Section
from ..textnorm import fold

NAME = "classify"
REQUIRES = ("text", "folded", "sections", "sentences", "tokens")
PROVIDES = ("areas",)


def _shipped_model_dir() -> Path:
    """`models/area_classifier` of the checkout; an installed wheel carries it as `pipeline_models`."""
    checkout = Path(__file__).resolve().parents[2] / "models" / "area_classifier"
    if checkout.is_dir():
        return checkout
    return Path(str(resources.files("pipeline_models").joinpath("area_classifier")))


#: The model shipped with report-miner.
DEFAULT_MODEL_DIR = _shipped_model_dir()
#: Version of the exported model; training writes it into meta.json, inference checks it.
#: Format 2 added the `inference` settings chosen over documents.
BUNDLE_FORMAT = 2
#: Share of an inner heading's evidence (`（一）…` under `一、…`) against its enclosing heading's
#: when both name an area equally clearly; each side's share is scaled by how clearly it does.
INNER_HEADING_WEIGHT = 0.6
#: Pull of the lead (text before the first heading) toward the fallback area: leads introduce
#: the year and the report, they rarely report on one area.
LEAD_WEIGHT = 0.3
#: A section's area: the share of its heading against the mean of its sentences' own scores.
SECTION_HEADING_WEIGHT = 0.5

WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (1, 3)
_NOT_WORD = re.compile(r"[^\w]+")
_DIGIT = re.compile(r"\d")


# --- features: shared by training (as scikit-learn analyzers) and inference -----------------

def _normalise(piece: str) -> str:
    return _DIGIT.sub("0", piece)


def word_features(tokens: Sequence[str]) -> list[str]:
    """Word unigrams and bigrams over the tokens that carry a letter or digit."""
    words = [_normalise(token) for token in tokens if not _NOT_WORD.fullmatch(token)]
    features: list[str] = []
    for size in range(WORD_NGRAMS[0], WORD_NGRAMS[1] + 1):
        features.extend(" ".join(words[i:i + size]) for i in range(len(words) - size + 1))
    return features


def char_features(text: str) -> list[str]:
    """Character n-grams of the folded text with punctuation and spaces removed."""
    letters = _normalise(_NOT_WORD.sub("", fold(text)))
    features: list[str] = []
    for size in range(CHAR_NGRAMS[0], CHAR_NGRAMS[1] + 1):
        features.extend(letters[i:i + size] for i in range(len(letters) - size + 1))
    return features


def text_tokens(text: str) -> list[str]:
    """The project's jieba tokens of `text` (as the tokenize stage cuts them)."""
    from .tokenize import segmenter

    folded = fold(text)
    return [folded[start:end] for start, end in segmenter().spans(folded)]


def word_analyzer(text: str) -> list[str]:
    """scikit-learn analyzer: word features of raw text."""
    return word_features(text_tokens(text))


def char_analyzer(text: str) -> list[str]:
    """scikit-learn analyzer: character features of raw text."""
    return char_features(text)


# --- taxonomy -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Taxonomy:
    id: str
    areas: tuple[str, ...]
    fallback: str
    names: dict[str, str]
    terms: dict[str, tuple[str, ...]]

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label a model of this taxonomy predicts: the areas, then the fallback."""
        return self.areas + (self.fallback,)


def load_taxonomy(name_or_path: str | Path = "united_front") -> Taxonomy:
    """A taxonomy by name (a file in `pipeline/data/taxonomy/`) or by path."""
    path = Path(name_or_path)
    try:
        if path.suffix == ".json":
            raw = json.loads(path.read_text("utf-8"))
        else:
            raw = read_json(f"taxonomy/{name_or_path}.json")
        areas = raw["areas"]
        fallback = raw["fallback"]
        return Taxonomy(id=raw["id"], areas=tuple(area["id"] for area in areas),
                        fallback=fallback["id"],
                        names={item["id"]: item["name"] for item in (*areas, fallback)},
                        terms={area["id"]: tuple(area.get("terms", ())) for area in areas})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise errors.TrainingDataError(name_or_path, detail=f"not a readable taxonomy file: {exc}") from exc


# --- the exported model ---------------------------------------------------------------------

@dataclass(frozen=True)
class InferenceSettings:
    """How sentence scores, heading evidence and abstention combine (see the module docstring)."""

    heading_weight: float
    override: float
    threshold: float
    #: Where no heading speaks for a sentence, the share of its scores taken from the mean of
    #: itself and its neighbours in the same paragraph: reports keep to one area for a few sentences.
    neighbour_weight: float
    #: Where no heading speaks for a sentence, the share of its scores taken from the mean of the
    #: whole document's: a report on one area (a federation of industry and commerce's review)
    #: stays on it even in sentences that name no area.
    document_weight: float


class AreaModel:
    """The exported linear model: tf-idf blocks, coefficients, softmax; numpy only."""

    def __init__(self, model_dir: str | Path | None = None) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else DEFAULT_MODEL_DIR
        meta_path = self.model_dir / "meta.json"
        if not meta_path.exists():
            raise errors.ModelError(self.model_dir, detail="no trained area model here (meta.json "
                                    "is missing); run `report-miner train` or pass --model")
        try:
            self.meta = json.loads(meta_path.read_text("utf-8"))
            vocabulary = json.loads((self.model_dir / "vocabulary.json").read_text("utf-8"))
            with np.load(self.model_dir / "inference.npz", allow_pickle=False) as arrays:
                self._idf = {"words": arrays["idf_words"], "chars": arrays["idf_chars"]}
                self._coef = arrays["coef"]
                self._intercept = arrays["intercept"]
            bundle_format = self.meta.get("bundle_format")
            if bundle_format != BUNDLE_FORMAT:
                raise errors.ModelError(self.model_dir, detail=(
                    f"the exported model has format {bundle_format!r}, this version reads "
                    f"{BUNDLE_FORMAT}; retrain with `report-miner train`"))
            self.labels: tuple[str, ...] = tuple(self.meta["labels"])
            self.fallback: str = self.meta["fallback"]
            self._index = {"words": dict(vocabulary["words"]), "chars": dict(vocabulary["chars"])}
        # A file of the wrong kind or shape (a list for an object, a key missing) is a broken
        # model, said as such, not a traceback from deep inside the stage.
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise errors.ModelError(self.model_dir, detail=f"the area model cannot be read: "
                                                           f"{type(exc).__name__}: {exc}") from exc
        try:
            # Absent only while `report-miner train` is choosing them.
            self.settings = (InferenceSettings(**self.meta["inference"]["settings"])
                             if "inference" in self.meta else None)
        except (KeyError, TypeError) as exc:
            raise errors.ModelError(self.model_dir,
                                    detail=f"meta.json's inference settings are not valid: {exc}") from exc
        self._offset = {"words": 0, "chars": len(self._idf["words"])}

    def _block(self, name: str, features: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Column indices and l2-normalised sublinear tf-idf values of one feature block."""
        counts = Counter(map(self._index[name].get, features))  # map/Counter run in C
        counts.pop(None, None)  # features the model never saw
        if not counts:
            return np.empty(0, dtype=np.int64), np.empty(0)
        columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=float, count=len(counts))
        values = (1.0 + np.log(tf)) * self._idf[name][columns]
        return columns + self._offset[name], values / np.linalg.norm(values)

    def probabilities(self, texts: Sequence[str],
                      tokens: Sequence[Sequence[str]] | None = None) -> np.ndarray:
        """Class probabilities (rows: texts; columns: `labels`). `tokens` spares re-segmenting."""
        result = np.empty((len(texts), len(self.labels)))
        for row, text in enumerate(texts):
            words = tokens[row] if tokens is not None else text_tokens(text)
            logits = self._intercept.copy()
            for name, features in (("words", word_features(words)), ("chars", char_features(text))):
                columns, values = self._block(name, features)
                logits += self._coef[:, columns] @ values
            logits -= logits.max()
            exp = np.exp(logits)
            result[row] = exp / exp.sum()
        return result


@lru_cache(maxsize=4)
def load_model(model_dir: str | None = None) -> AreaModel:
    """The process's exported model for `model_dir` (default: the shipped one), loaded once."""
    return AreaModel(model_dir)


# --- structure-aware inference --------------------------------------------------------------

@dataclass(frozen=True)
class DocumentEvidence:
    """What the model says about one document, before the inference settings combine it."""

    own: np.ndarray                     # each sentence's own scores (rows: sentences)
    neighbours: np.ndarray              # the mean own scores of each sentence and its paragraph neighbours
    headings: list[np.ndarray | None]   # per sentence: its headings' evidence, if any
    in_lead: list[bool]                 # per sentence: before the first heading of a headed document
    section_headings: dict[int, np.ndarray]


class AreaAssigner:
    """Turns model probabilities for headings and sentences into final areas per document."""

    def __init__(self, model: AreaModel, settings: InferenceSettings | None = None) -> None:
        self.model = model
        chosen = settings or model.settings
        if chosen is None:
            raise errors.ModelError(model.model_dir, detail="meta.json has no inference settings; "
                                    "run `report-miner train`")
        self.settings: InferenceSettings = chosen
        self._fallback = np.array([label == model.fallback for label in model.labels], dtype=float)

    def _span_inputs(self, draft: Draft, spans: Sequence[tuple[int, int]]) -> tuple[list[str], list[list[str]]]:
        texts = [draft.folded[start:end] for start, end in spans]
        tokens = [[draft.folded[token.start:token.end] for token in draft.tokens_between(start, end)]
                  for start, end in spans]
        return texts, tokens

    def label(self, scores: np.ndarray, settings: InferenceSettings | None = None) -> str:
        """The best-scored label, or the fallback when even the best is below the threshold."""
        best = int(scores.argmax())
        threshold = (settings or self.settings).threshold
        return self.model.labels[best] if scores[best] >= threshold else self.model.fallback

    def _as_mapping(self, scores: np.ndarray) -> dict[str, float]:
        return {label: round(float(value), 4) for label, value in zip(self.model.labels, scores)}

    def heading_evidence(self, sections: Sequence[Section], draft: Draft) -> dict[int, np.ndarray]:
        """Scores each headed section passes to its sentences: its heading, then its ancestors'."""
        headed = [section for section in sections if section.heading is not None]
        if not headed:
            return {}
        texts, tokens = self._span_inputs(draft, [(s.heading.start, s.heading.end) for s in headed
                                                  if s.heading is not None])
        own = dict(zip((s.id for s in headed), self.model.probabilities(texts, tokens)))
        by_id = {section.id: section for section in sections}
        evidence: dict[int, np.ndarray] = {}
        for section in sections:  # parents come before their children
            if section.id not in own:
                continue
            parent = by_id.get(section.parent) if section.parent is not None else None
            if parent is not None and parent.id in evidence:
                # An inner heading that names no area (`创建工作全面推进`) defers to its parent.
                inner = INNER_HEADING_WEIGHT * self._area_clarity(own[section.id])
                outer = (1 - INNER_HEADING_WEIGHT) * self._area_clarity(evidence[parent.id])
                share = inner / (inner + outer) if inner + outer > 0 else INNER_HEADING_WEIGHT
                evidence[section.id] = share * own[section.id] + (1 - share) * evidence[parent.id]
            else:
                evidence[section.id] = own[section.id]
        return evidence

    def _area_clarity(self, scores: np.ndarray) -> float:
        """How clearly `scores` name one work area: the best score of an area other than the fallback."""
        return float((scores * (1 - self._fallback)).max())

    def evidence(self, draft: Draft) -> DocumentEvidence:
        """The model's scores for the document's sentences and headings."""
        evidence = self.heading_evidence(draft.sections, draft)
        texts, tokens = self._span_inputs(draft, [(s.start, s.end) for s in draft.sentences])
        own = self.model.probabilities(texts, tokens) if texts else np.empty((0, len(self.model.labels)))
        # In a document with headings, a sentence in no headed section is in the lead.
        return DocumentEvidence(
            own=own, neighbours=self._neighbour_means(own, draft.sentences),
            headings=[evidence.get(sentence.section) for sentence in draft.sentences],
            in_lead=[bool(evidence) and sentence.section not in evidence for sentence in draft.sentences],
            section_headings=evidence)

    def sentence_scores(self, own: np.ndarray, heading: np.ndarray | None, in_lead: bool,
                        settings: InferenceSettings) -> np.ndarray:
        if heading is not None:
            if own.max() >= settings.override and own.argmax() != heading.argmax():
                return own
            # A heading speaks in proportion to how clearly it names one area.
            weight = settings.heading_weight * float(heading.max())
            return weight * heading + (1 - weight) * own
        if in_lead:
            return LEAD_WEIGHT * self._fallback + (1 - LEAD_WEIGHT) * own
        return own

    def combine(self, evidence: DocumentEvidence, settings: InferenceSettings | None = None) -> np.ndarray:
        """Final scores per sentence (rows) under `settings` (default: the model's)."""
        settings = settings or self.settings
        own_share = 1 - settings.neighbour_weight - settings.document_weight
        document = evidence.own.mean(axis=0, keepdims=True) if len(evidence.own) else evidence.own
        blended = (own_share * evidence.own + settings.neighbour_weight * evidence.neighbours
                   + settings.document_weight * document)
        rows = [self.sentence_scores(evidence.own[row] if heading is not None else blended[row],
                                     heading, in_lead, settings)
                for row, (heading, in_lead) in enumerate(zip(evidence.headings, evidence.in_lead))]
        return np.array(rows).reshape(evidence.own.shape)

    def __call__(self, draft: Draft) -> None:
        evidence = self.evidence(draft)
        final = self.combine(evidence)
        labels = [self.label(row) for row in final]
        draft.sentences = [replace(sentence, area=area, area_scores=self._as_mapping(final[row]),
                                   area_confidence=round(float(final[row][self.model.labels.index(area)]), 4))
                           for row, (sentence, area) in enumerate(zip(draft.sentences, labels))]
        # Sentences come in text order, so a section's sentences are one run of rows.
        starts = [sentence.start for sentence in draft.sentences]
        draft.sections = [self._classify_section(section, evidence.section_headings.get(section.id),
                                                 range(bisect_left(starts, section.start),
                                                       bisect_left(starts, section.end)),
                                                 evidence.own, final)
                          for section in draft.sections]

    @staticmethod
    def _neighbour_means(own: np.ndarray, sentences: Sequence) -> np.ndarray:
        """Each sentence's mean scores with its neighbours in the same paragraph."""
        means = own.copy()
        for row, sentence in enumerate(sentences):
            window = [other for other in (row - 1, row, row + 1)
                      if 0 <= other < len(sentences) and sentences[other].paragraph == sentence.paragraph]
            means[row] = own[window].mean(axis=0)
        return means

    def _classify_section(self, section: Section, heading: np.ndarray | None, rows: range,
                          own: np.ndarray, final: np.ndarray) -> Section:
        if heading is not None:
            scores = heading if not rows else (SECTION_HEADING_WEIGHT * heading
                                               + (1 - SECTION_HEADING_WEIGHT) * own[rows].mean(axis=0))
        elif rows:
            scores = final[rows].mean(axis=0)
        else:
            scores = self._fallback
        return replace(section, area=self.label(scores), area_scores=self._as_mapping(scores))


def make_stage(*, model_dir: str | Path | None = None) -> AreaAssigner:
    return AreaAssigner(load_model(str(model_dir) if model_dir is not None else None))
