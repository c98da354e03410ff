"""Classify: give every sentence and section a work area from the taxonomy, with its scores.

The model is a linear classifier over tf-idf word n-grams (the project's jieba tokens) and
character n-grams, trained by `report-miner train` (`pipeline/training.py`). Its authoritative
form is the skops file in `models/area_classifier/`; beside it training exports the same
vectorisers and coefficients as plain arrays (`inference.npz`, `vocabulary.json`), which this
stage scores with numpy alone. Measured on the development machine: importing scikit-learn and
skops and loading the skops file took 2.5-3.7 s (idle to busy), more than a whole cold
single-report run may take; importing this module and loading the arrays took 0.1-0.2 s. A
document's headings and sentences are scored together, their features built in one pass over
its text (`pipeline/ngrams.py`) and looked up as numbers (packed character n-grams, word ids),
never as strings: the 72 government work reports (1.1 million characters) took 0.58 s of CPU in
this stage (0.66 s in the same run with a sum per label and block and step-by-step probing), 1.2 s
with the n-grams' strings and 3.9 s sentence by sentence. A test checks the
arrays give the skops model's probabilities; another, that the document-at-once features equal a
per-sentence reference.

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
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from .. import errors
from ..draft import Draft
from ..ngrams import (CodePointTable, PackedTable, WordVocabulary, code_points, pack, packed_ngram_range,
                      span_positions, sublinear_tfidf, sums_by_row, text_of, unpack, word_ngrams)
from ..records import Section, Sentence
from ..rounding import python_round
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
#: What n-grams are made of: the characters `_NOT_WORD` leaves, letters and digits.
_IS_WORD_CHARACTER = CodePointTable(lambda character: _NOT_WORD.fullmatch(character) is None)
_IS_DIGIT = CodePointTable(lambda character: _DIGIT.fullmatch(character) is not None)
_ZERO = ord("0")


def _as_ngram_letter(character: str) -> int:
    """The code point a character n-gram reads for `character`: folded, a digit read as 0; 0 for
    a character n-grams leave out (punctuation, spaces; no letter folds to code point 0)."""
    folded = fold(character)
    if _NOT_WORD.fullmatch(folded) is not None:
        return 0
    return _ZERO if _DIGIT.fullmatch(folded) is not None else ord(folded)


_NGRAM_LETTER = CodePointTable(_as_ngram_letter, dtype=np.int32)

#: Offsets into one text: an array of starts and an array of ends.
Spans = tuple[np.ndarray, np.ndarray]


# --- features: shared by training (as scikit-learn analyzers) and inference -----------------
#
# One definition serves both: the analyzers below are these functions on one span, their packed
# character n-grams turned back into strings.

def _normalise(text: str) -> str:
    """Every digit read as 0; one character for one, so offsets hold."""
    return _DIGIT.sub("0", text)


def _word_spans(codes: np.ndarray, spans: Spans, tokens: Spans) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Starts, ends and rows of the words of each span of a text (`codes`: its code points): the
    span's tokens that carry a letter or digit. `tokens` are sorted by start; a token belongs to
    the span its start lies in, as `Draft.token_bounds_between` has it."""
    token_starts, token_ends = tokens
    first = np.searchsorted(token_starts, spans[0], "left")
    last = np.searchsorted(token_starts, spans[1], "left")
    index, token_rows = span_positions(first, last)
    starts, ends = token_starts[index], token_ends[index]
    letters_before = np.concatenate(([0], np.cumsum(_IS_WORD_CHARACTER(codes))))
    # A token of punctuation or spaces alone is no word; an empty one is (`fullmatch` needs one character).
    is_word = (letters_before[ends] > letters_before[starts]) | (ends == starts)
    return starts[is_word], ends[is_word], token_rows[is_word]


def word_feature_rows(text: str, spans: Spans, tokens: Spans,
                      ngram_range: tuple[int, int] = WORD_NGRAMS) -> tuple[list[str], np.ndarray]:
    """Word n-grams of each span of `text` and their rows: n-grams of the span's words (see
    `_word_spans`), digits read as 0."""
    starts, ends, rows = _word_spans(code_points(text), spans, tokens)
    normalised = _normalise(text)
    words = list(map(normalised.__getitem__, map(slice, starts.tolist(), ends.tolist())))
    grams = [word_ngrams(words, rows, size) for size in range(ngram_range[0], ngram_range[1] + 1)]
    return [gram for features, _ in grams for gram in features], np.concatenate([rows for _, rows in grams])


def char_feature_rows(text: str, spans: Spans,
                      ngram_range: tuple[int, int] = CHAR_NGRAMS) -> tuple[np.ndarray, np.ndarray]:
    """Character n-grams of each span of `text` (packed, see `pipeline.ngrams`) and their rows:
    n-grams of the folded span with punctuation and spaces removed, digits read as 0."""
    positions, rows = span_positions(*spans)
    letters = _NGRAM_LETTER(code_points(text)[positions])
    kept = letters > 0
    return packed_ngram_range(letters[kept].astype(np.int64), rows[kept], ngram_range)


def _whole(text: str) -> Spans:
    return np.array([0]), np.array([len(text)])


def text_token_offsets(folded: str) -> np.ndarray:
    """(start, end) rows of the project's jieba tokens in `folded` (as the tokenize stage cuts them)."""
    from .tokenize import segmenter

    return np.array(segmenter().spans(folded), dtype=np.int64).reshape(-1, 2)


def word_analyzer(text: str) -> list[str]:
    """scikit-learn analyzer: word features of raw text."""
    folded = fold(text)
    offsets = text_token_offsets(folded)
    return word_feature_rows(folded, _whole(folded), (offsets[:, 0], offsets[:, 1]))[0]


def char_analyzer(text: str) -> list[str]:
    """scikit-learn analyzer: character features of raw text."""
    return unpack(char_feature_rows(text, _whole(text))[0])


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


class WordTfidf:
    """Word n-gram block: what training's TfidfVectorizer(analyzer=word_analyzer,
    sublinear_tf=True) learnt, read from the exported arrays. The n-grams `word_feature_rows`
    gives are looked up by their words' spans (`pipeline.ngrams.WordVocabulary`), not built as
    strings."""

    def __init__(self, ngram_range: tuple[int, int] = WORD_NGRAMS) -> None:
        self.ngram_range = ngram_range

    def fit_exported(self, vocabulary: dict[str, int], idf: np.ndarray) -> WordTfidf:
        self._vocabulary = WordVocabulary(vocabulary, self.ngram_range)
        self.idf_ = idf
        return self

    def columns(self, text: str, spans: Spans, tokens: Spans) -> tuple[np.ndarray, np.ndarray]:
        """The row and vocabulary column (-1: not in it) of every n-gram of the spans."""
        codes = code_points(text)
        words = _word_spans(codes, spans, tokens)
        codes[_IS_DIGIT(codes).astype(bool)] = _ZERO  # as `_normalise` reads them
        # `_normalise(text)`, read back from the codes: a regular expression over the whole
        # text took four times as long.
        return self._vocabulary.columns(text_of(codes), codes, words)


class CharTfidf:
    """Character n-gram block: what training's TfidfVectorizer(analyzer=char_analyzer,
    sublinear_tf=True, min_df=2) learnt, its vocabulary packed into a hash table."""

    def __init__(self, ngram_range: tuple[int, int] = CHAR_NGRAMS) -> None:
        self.ngram_range = ngram_range

    def fit_exported(self, vocabulary: dict[str, int], idf: np.ndarray, first_column: int = 0) -> CharTfidf:
        """`first_column`: where the block's columns begin among the model's features."""
        self._columns = PackedTable(pack(list(vocabulary)), first_column + np.fromiter(
            vocabulary.values(), dtype=np.int64, count=len(vocabulary)))
        self.idf_ = idf
        return self

    def columns(self, text: str, spans: Spans) -> tuple[np.ndarray, np.ndarray]:
        """The row and feature column (-1: not in the vocabulary) of every n-gram of the spans."""
        packed, rows = char_feature_rows(text, spans, self.ngram_range)
        return rows, self._columns(packed)


class AreaModel:
    """The exported linear model: tf-idf blocks, coefficients, softmax; numpy only.

    A document's headings and sentences are scored together: their features are built in one
    pass over the document (`pipeline.ngrams`) and each block's product with the coefficients
    summed per row, with no arrays per sentence."""

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
                self.words = WordTfidf().fit_exported(dict(vocabulary["words"]), arrays["idf_words"])
                self.chars = CharTfidf().fit_exported(dict(vocabulary["chars"]), arrays["idf_chars"],
                                                      first_column=len(arrays["idf_words"]))
                coef = arrays["coef"]
                self._intercept = arrays["intercept"]
            bundle_format = self.meta.get("bundle_format")
            if bundle_format != BUNDLE_FORMAT:
                raise errors.ModelError(self.model_dir, detail=(
                    f"the exported model has format {bundle_format!r}, this version reads "
                    f"{BUNDLE_FORMAT}; retrain with `report-miner train`"))
            self.labels: tuple[str, ...] = tuple(self.meta["labels"])
            self.fallback: str = self.meta["fallback"]
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
        self._idf = np.concatenate([self.words.idf_, self.chars.idf_])
        # A feature's coefficients for every label, contiguous, for gathering by column.
        self._coef_by_column = np.ascontiguousarray(coef.T)

    def span_probabilities(self, text: str, spans: Spans, tokens: Spans) -> np.ndarray:
        """Class probabilities (rows: spans of a document's folded `text`; columns: `labels`),
        words cut at `tokens` (offsets into `text`, sorted by start)."""
        return self._softmax(self.words.columns(text, spans, tokens), self.chars.columns(text, spans),
                             len(spans[0]))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities (rows: texts, each on its own; columns: `labels`)."""
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        ends = np.cumsum(lengths)
        starts = ends - lengths
        folded = [fold(text) for text in texts]
        # Each text is cut into tokens on its own, then the texts are laid end to end.
        tokens = np.concatenate([text_token_offsets(text) + start for text, start in zip(folded, starts.tolist())]
                                + [np.empty((0, 2), dtype=np.int64)])
        return self._softmax(self.words.columns("".join(folded), (starts, ends), (tokens[:, 0], tokens[:, 1])),
                             self.chars.columns("".join(texts), (starts, ends)), len(texts))

    def _softmax(self, words: tuple[np.ndarray, np.ndarray], chars: tuple[np.ndarray, np.ndarray],
                 n_rows: int) -> np.ndarray:
        """Probabilities from each block's (row, feature column) occurrences.

        Each block is tf-idf weighted and normalised on its own, as training's union of two
        vectorisers has it: a row's words are row `2 * row` here, its characters `2 * row + 1`.
        Both blocks and every label are summed in one `bincount`, each sum over the row's
        entries in order of column from zero, then added to the intercept block by block: the
        sums and the order of their additions are those of one `bincount` per label and block,
        so the probabilities are, to the last bit."""
        (word_rows, word_columns), (char_rows, char_columns) = words, chars
        rows, columns, values = sublinear_tfidf(np.concatenate([2 * word_rows, 2 * char_rows + 1]),
                                                np.concatenate([word_columns, char_columns]), 2 * n_rows, self._idf)
        n_labels = len(self._intercept)
        # Flat, entry by entry and label by label: a broadcast over (entries, labels) runs a
        # loop of nine per entry.
        weights = np.take(self._coef_by_column, columns, axis=0).ravel() * np.repeat(values, n_labels)
        sums = sums_by_row(rows, weights, 2 * n_rows, n_labels).reshape(n_rows, 2, n_labels)
        logits = self._intercept + sums[:, 0] + sums[:, 1]
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)


@lru_cache(maxsize=4)
def load_model(model_dir: str | None = None) -> AreaModel:
    """The process's exported model for `model_dir` (default: the shipped one), loaded once."""
    return AreaModel(model_dir)


# --- structure-aware inference --------------------------------------------------------------

@dataclass(frozen=True)
class DocumentEvidence:
    """What the model says about one document, before the inference settings combine it."""

    own: np.ndarray           # each sentence's own scores (rows: sentences)
    neighbours: np.ndarray    # the mean own scores of each sentence and its paragraph neighbours
    headings: np.ndarray      # per sentence: its headings' evidence; a row of NaN where it has none
    in_lead: np.ndarray       # per sentence: before the first heading of a headed document
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

    def labels(self, scores: np.ndarray, settings: InferenceSettings | None = None) -> list[str]:
        """Each row's best-scored label, or the fallback where even the best is below the threshold."""
        best = scores.argmax(axis=1)
        clear = scores[np.arange(len(scores)), best] >= (settings or self.settings).threshold
        return [self.model.labels[index] if sure else self.model.fallback
                for index, sure in zip(best.tolist(), clear.tolist())]

    def _as_mappings(self, scores: np.ndarray) -> list[dict[str, float]]:
        """Each row of scores by label, rounded as Python rounds (numpy's rounding differs in the last digit)."""
        return [dict(zip(self.model.labels, row)) for row in python_round(scores, 4).tolist()]

    def heading_evidence(self, sections: Sequence[Section], own: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
        """Scores each headed section passes to its sentences: its heading's (`own`, by section
        id), then its ancestors'. Headings are mixed with their parents' evidence level by level
        (all the inner headings of one depth at once), each as a heading on its own would be."""
        depth: dict[int, int] = {}  # of a headed section below headed parents
        headed_parent: dict[int, int] = {}
        by_depth: list[list[int]] = []
        for section in sections:  # parents come before their children
            if section.id in own:
                if section.parent is not None and section.parent in depth:
                    headed_parent[section.id] = section.parent
                    depth[section.id] = depth[section.parent] + 1
                else:
                    depth[section.id] = 0
                if depth[section.id] == len(by_depth):
                    by_depth.append([])
                by_depth[depth[section.id]].append(section.id)
        evidence = {section_id: own[section_id] for section_id in by_depth[0]} if by_depth else {}
        for inner_ids in by_depth[1:]:
            inner_own = np.array([own[section_id] for section_id in inner_ids])
            outer = np.array([evidence[headed_parent[section_id]] for section_id in inner_ids])
            # An inner heading that names no area (`创建工作全面推进`) defers to its parent.
            inner_weight = INNER_HEADING_WEIGHT * self._area_clarity(inner_own)
            outer_weight = (1 - INNER_HEADING_WEIGHT) * self._area_clarity(outer)
            total = inner_weight + outer_weight
            share = np.full(len(inner_ids), INNER_HEADING_WEIGHT)
            np.divide(inner_weight, total, out=share, where=total > 0)
            mixed = share[:, np.newaxis] * inner_own + (1 - share)[:, np.newaxis] * outer
            evidence.update(zip(inner_ids, mixed))
        # In the sections' order, as the evidence rows are read.
        return {section_id: evidence[section_id] for section_id in depth}

    def _area_clarity(self, scores: np.ndarray) -> np.ndarray:
        """How clearly each row of `scores` names one work area: the best score of an area other
        than the fallback."""
        return (scores * (1 - self._fallback)).max(axis=1)

    def evidence(self, draft: Draft) -> DocumentEvidence:
        """The model's scores for the document's sentences and headings, scored together."""
        headings = {section.id: section.heading for section in draft.sections if section.heading is not None}
        spans = np.array([(heading.start, heading.end) for heading in headings.values()]
                         + [(sentence.start, sentence.end) for sentence in draft.sentences],
                         dtype=np.int64).reshape(-1, 2)
        scores = self.model.span_probabilities(draft.folded, (spans[:, 0], spans[:, 1]), _token_offsets(draft))
        evidence = self.heading_evidence(draft.sections, dict(zip(headings, scores)))
        own = scores[len(headings):]
        # Each sentence's row of its section's evidence; the last row, of NaN, where it has none.
        rows = {section: row for row, section in enumerate(evidence)}
        by_row = np.vstack([*evidence.values(), np.full(len(self.model.labels), np.nan)])
        sentence_rows = np.fromiter((rows.get(sentence.section, len(rows)) for sentence in draft.sentences),
                                    dtype=np.int64, count=len(draft.sentences))
        # In a document with headings, a sentence in no headed section is in the lead.
        return DocumentEvidence(own=own, neighbours=self._neighbour_means(own, draft.sentences),
                                headings=by_row[sentence_rows], in_lead=(sentence_rows == len(rows)) & bool(rows),
                                section_headings=evidence)

    def sentence_scores(self, own: np.ndarray, heading: np.ndarray, in_lead: np.ndarray | bool,
                        settings: InferenceSettings) -> np.ndarray:
        """Scores of sentences (rows; or one sentence) from their own scores (blended with their
        neighbours' where no heading speaks), their headings' evidence (NaN where none) and
        whether they are in the lead."""
        rows, headings, lead = np.atleast_2d(own), np.atleast_2d(heading), np.atleast_1d(in_lead)
        scores = rows.copy()
        headed = ~np.isnan(headings[:, 0])
        in_lead_only = lead & ~headed
        scores[in_lead_only] = LEAD_WEIGHT * self._fallback + (1 - LEAD_WEIGHT) * rows[in_lead_only]
        under, evidence = rows[headed], headings[headed]
        # A heading speaks in proportion to how clearly it names one area...
        weight = settings.heading_weight * evidence.max(axis=1, keepdims=True)
        mixed = weight * evidence + (1 - weight) * under
        # ...unless the sentence is sure enough of another.
        overrides = (under.max(axis=1) >= settings.override) & (under.argmax(axis=1) != evidence.argmax(axis=1))
        scores[headed] = np.where(overrides[:, np.newaxis], under, mixed)
        return scores.reshape(np.shape(own))

    def combine(self, evidence: DocumentEvidence, settings: InferenceSettings | None = None) -> np.ndarray:
        """Final scores per sentence (rows) under `settings` (default: the model's)."""
        settings = settings or self.settings
        own_share = 1 - settings.neighbour_weight - settings.document_weight
        document = evidence.own.mean(axis=0, keepdims=True) if len(evidence.own) else evidence.own
        blended = (own_share * evidence.own + settings.neighbour_weight * evidence.neighbours
                   + settings.document_weight * document)
        headed = ~np.isnan(evidence.headings[:, :1])
        return self.sentence_scores(np.where(headed, evidence.own, blended), evidence.headings,
                                    evidence.in_lead, settings)

    def __call__(self, draft: Draft) -> None:
        evidence = self.evidence(draft)
        final = self.combine(evidence)
        # Sentences' scores, then sections', labelled and rounded together.
        scores = np.concatenate([final, self._section_scores(draft, evidence, final)])
        areas, mappings = self.labels(scores), self._as_mappings(scores)
        count = len(draft.sentences)
        draft.sentences = [_classified(sentence, area, mapping)
                           for sentence, area, mapping in zip(draft.sentences, areas[:count], mappings[:count])]
        draft.sections = [_section_classified(section, area, mapping)
                          for section, area, mapping in zip(draft.sections, areas[count:], mappings[count:])]

    @staticmethod
    def _neighbour_means(own: np.ndarray, sentences: Sequence) -> np.ndarray:
        """Each sentence's mean scores with its neighbours in the same paragraph."""
        paragraphs = np.fromiter((sentence.paragraph for sentence in sentences), dtype=np.int64, count=len(sentences))
        same_as_previous = paragraphs[1:] == paragraphs[:-1]
        with_previous, with_next = np.zeros(len(own), dtype=bool), np.zeros(len(own), dtype=bool)
        with_previous[1:] = with_next[:-1] = same_as_previous
        # Summed in the window's order, previous, itself, next, as a mean over the window sums.
        sums = own.copy()
        sums[with_previous] = own[np.flatnonzero(with_previous) - 1] + own[with_previous]
        sums[with_next] += own[np.flatnonzero(with_next) + 1]
        return sums / (1 + with_previous + with_next)[:, np.newaxis]

    def _section_scores(self, draft: Draft, evidence: DocumentEvidence, final: np.ndarray) -> np.ndarray:
        """Each section's scores (rows): its heading's evidence mixed with the mean of its
        sentences' own scores, or the heading's alone where it has no sentence; without a
        heading, the mean of its sentences' final scores, or the fallback. Every section's
        means in one pass, each summed over its sentences in order, as `mean` sums them."""
        sections = draft.sections
        bounds = np.array([(section.start, section.end) for section in sections], dtype=np.int64).reshape(-1, 2)
        # Sentences come in text order, so a section's sentences are one run of rows.
        sentence_starts = np.fromiter((sentence.start for sentence in draft.sentences), dtype=np.int64,
                                      count=len(draft.sentences))
        firsts, lasts = np.searchsorted(sentence_starts, bounds[:, 0]), np.searchsorted(sentence_starts, bounds[:, 1])
        headings = [evidence.section_headings.get(section.id) for section in sections]
        headed = np.array([heading is not None for heading in headings], dtype=bool)
        rows, members = span_positions(firsts, lasts)
        sentence_scores = np.where(headed[members, np.newaxis], evidence.own[rows], final[rows])
        counts = (lasts - firsts)[:, np.newaxis]
        sums = sums_by_row(members, sentence_scores.ravel(), len(sections), len(self._fallback))
        means = sums / np.maximum(counts, 1)
        heading_scores = np.array([self._fallback if heading is None else heading for heading in headings]
                                  ).reshape(-1, len(self._fallback))
        mixed = SECTION_HEADING_WEIGHT * heading_scores + (1 - SECTION_HEADING_WEIGHT) * means
        return np.where(counts > 0, np.where(headed[:, np.newaxis], mixed, means), heading_scores)


def _classified(sentence: Sentence, area: str, scores: dict[str, float]) -> Sentence:
    """`sentence` with its area, scores and confidence: `dataclasses.replace` took twice the time
    (0.03 s of CPU more for the 29,000 sentences of the 72 government work reports)."""
    return Sentence(id=sentence.id, text=sentence.text, start=sentence.start, end=sentence.end,
                    section=sentence.section, paragraph=sentence.paragraph,
                    area=area, area_scores=scores, area_confidence=scores[area])


def _section_classified(section: Section, area: str, scores: dict[str, float]) -> Section:
    """`section` with its area and scores, built as `_classified` builds a sentence."""
    return Section(id=section.id, heading=section.heading, level=section.level, parent=section.parent,
                   start=section.start, end=section.end, area=area, area_scores=scores)


def _token_offsets(draft: Draft) -> Spans:
    """Starts and ends of the draft's tokens, taken from its offset arrays without a Python
    object per token."""
    starts, ends = draft.token_offsets()
    return (np.frombuffer(starts, dtype=np.intc).astype(np.int64),
            np.frombuffer(ends, dtype=np.intc).astype(np.int64))


def make_stage(*, model_dir: str | Path | None = None) -> AreaAssigner:
    return AreaAssigner(load_model(str(model_dir) if model_dir is not None else None))
