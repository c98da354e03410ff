"""The area model as inference reads it: features and the exported linear model.

The model is a linear classifier over tf-idf word n-grams (the project's jieba tokens) and
character n-grams, trained by `report-miner train` (`pipeline/training.py`). Its authoritative
form is the skops file in `models/area_classifier/`; beside it training exports the same
vectorisers and coefficients as plain arrays (`inference.npz`, `vocabulary.json`), which the
classify stage scores with numpy alone. Measured on the development machine: importing
scikit-learn and skops and loading the skops file took 2.5-3.7 s (idle to busy), more than a
whole cold single-report run may take; importing this module and loading the arrays took
0.1-0.2 s.

A document's headings and sentences are scored together, their features built in one pass over
its text (`pipeline/ngrams.py`) and looked up as numbers (packed character n-grams, word ids),
never as strings. On the 72 government work reports (1.1 million characters) the classify stage
took 0.58 s of CPU so, 1.2 s with the n-grams as strings and 3.9 s sentence by sentence. A test
checks the arrays give the skops model's probabilities; another, that the document-at-once
features equal a per-sentence reference.
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

from . import errors
from .ngrams import (CodePointTable, CompactTable, WordVocabulary, code_points, number_dtype, numbered_letters,
                     pack_spans, packed_ngram_range, span_positions, sublinear_tfidf, weighted_rows,
                     word_ngrams)
from .textnorm import fold


def _shipped_model_dir() -> Path:
    """`models/area_classifier` of the checkout; an installed wheel carries it as `pipeline_models`."""
    checkout = Path(__file__).resolve().parents[1] / "models" / "area_classifier"
    if checkout.is_dir():
        return checkout
    return Path(str(resources.files("pipeline_models").joinpath("area_classifier")))


#: The model shipped with report-miner.
DEFAULT_MODEL_DIR = _shipped_model_dir()
#: Version of the exported model; training writes it into meta.json, inference checks it.
#: Format 2 added the `inference` settings chosen over documents.
BUNDLE_FORMAT = 2

WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (1, 3)
_NOT_WORD = re.compile(r"[^\w]+")
_DIGIT = re.compile(r"\d")
#: What n-grams are made of: the characters `_NOT_WORD` leaves, letters and digits.
_IS_WORD_CHARACTER = CodePointTable(lambda character: _NOT_WORD.fullmatch(character) is None)
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
# One definition serves both: the analyzers (`pipeline.stages.classify`) are these functions on
# one span, their packed character n-grams turned back into strings.

def _normalise(text: str) -> str:
    """Every digit read as 0; one character for one, so offsets hold."""
    return _DIGIT.sub("0", text)


def _word_spans(codes: np.ndarray, spans: Spans, tokens: Spans) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Starts, ends and rows of the words of each span of a text (`codes`: its code points): the
    span's tokens that carry a letter or digit. `tokens` are sorted by start; a token belongs to
    the span its start lies in, as `pipeline.draft.bounds_between` has it."""
    token_starts, token_ends = tokens
    first = token_starts.searchsorted(spans[0], "left")
    last = token_starts.searchsorted(spans[1], "left")
    index, token_rows = span_positions(first, last)
    starts, ends = token_starts.take(index, mode="wrap"), token_ends.take(index, mode="wrap")
    letters_before = np.zeros(len(codes) + 1, dtype=np.int64)
    _IS_WORD_CHARACTER(codes).cumsum(out=letters_before[1:])  # in place: no list turned into an array
    # A token of punctuation or spaces alone is no word; an empty one is (`fullmatch` needs one character).
    is_word = (letters_before.take(ends, mode="wrap") > letters_before.take(starts, mode="wrap")) | (ends == starts)
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


def text_token_offsets(folded: str) -> np.ndarray:
    """(start, end) rows of the project's jieba tokens in `folded` (as the tokenize stage cuts them)."""
    from .stages.tokenize import segmenter

    return np.array(segmenter().spans(folded), dtype=np.int64).reshape(-1, 2)


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
        self._vocabulary = WordVocabulary(vocabulary, self.ngram_range, normalise=_normalise)
        self.idf_ = idf
        return self

    def columns(self, text: str, codes: np.ndarray, spans: Spans, tokens: Spans) -> tuple[np.ndarray, np.ndarray]:
        """The row and vocabulary column (-1: not in it) of every n-gram of the spans (`codes`:
        the code points of `text`)."""
        return self._vocabulary.columns(text, codes, _word_spans(codes, spans, tokens))


class CharTfidf:
    """Character n-gram block: what training's TfidfVectorizer(analyzer=char_analyzer,
    sublinear_tf=True, min_df=2) learnt, its vocabulary packed into a hash table."""

    def __init__(self, ngram_range: tuple[int, int] = CHAR_NGRAMS) -> None:
        self.ngram_range = ngram_range

    def fit_exported(self, vocabulary: dict[str, int], idf: np.ndarray, first_column: int = 0) -> CharTfidf:
        """`first_column`: where the block's columns begin among the model's features.

        N-grams are looked up by their letters' numbers in the vocabulary's alphabet (a few
        thousand letters: 0 a character n-grams leave out, 1 a letter no n-gram of the vocabulary
        holds), packed in few bits: a single letter's column is read by its number, longer
        n-grams' from a table whose keys and columns share one int64 (`CompactTable`)."""
        joined = "".join(vocabulary)
        alphabet, self._letter_bits = numbered_letters(vocabulary, 2)
        self._letters = CodePointTable(lambda character: _alphabet_number(character, alphabet),
                                       dtype=number_dtype(len(alphabet) + 1))
        lengths = np.fromiter(map(len, vocabulary), dtype=np.int64, count=len(vocabulary))
        ends = np.cumsum(lengths)
        codes = pack_spans(np.array([alphabet[letter] for letter in joined], dtype=np.int64), ends - lengths, ends,
                           self._letter_bits)
        if (codes < 0).any():
            raise ValueError(f"character n-grams of more than {63 // self._letter_bits} letters are not looked up")
        columns = first_column + np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))
        single = codes < 1 << self._letter_bits
        self._single_columns = np.full(1 << self._letter_bits, -1, dtype=np.int64)
        self._single_columns[codes[single]] = columns[single]
        self._longer_columns = CompactTable(codes[~single], columns[~single])
        self.idf_ = idf
        return self

    def columns(self, codes: np.ndarray, spans: Spans) -> tuple[np.ndarray, np.ndarray]:
        """The row and feature column (-1: not in the vocabulary) of every n-gram of the spans of
        a text (`codes`: its code points), in the order `char_feature_rows` gives them."""
        positions, rows = span_positions(*spans)
        letters = self._letters(codes.take(positions, mode="wrap"))
        kept = letters > 0
        kept_letters = letters[kept].astype(np.int64)
        packed, rows = packed_ngram_range(kept_letters, rows[kept], self.ngram_range, self._letter_bits)
        # N-grams come size after size: the single letters, one per letter kept, lead.
        singles = len(kept_letters) if self.ngram_range[0] == 1 else 0
        return rows, np.concatenate([self._single_columns.take(packed[:singles], mode="wrap"), self._longer_columns(packed[singles:])])


def _alphabet_number(character: str, alphabet: dict[str, int]) -> int:
    """A character's number in a character vocabulary's `alphabet` (see `CharTfidf`)."""
    letter = _as_ngram_letter(character)
    return 0 if letter == 0 else alphabet.get(chr(letter), 1)


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
        codes = code_points(text)  # once for both blocks
        return self._softmax(self.words.columns(text, codes, spans, tokens), self.chars.columns(codes, spans),
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
        joined_folded = "".join(folded)
        return self._softmax(self.words.columns(joined_folded, code_points(joined_folded), (starts, ends),
                                                (tokens[:, 0], tokens[:, 1])),
                             self.chars.columns(code_points("".join(texts)), (starts, ends)), len(texts))

    def _softmax(self, words: tuple[np.ndarray, np.ndarray], chars: tuple[np.ndarray, np.ndarray],
                 n_rows: int) -> np.ndarray:
        """Probabilities from each block's (row, feature column) occurrences.

        Each block is tf-idf weighted and normalised on its own, as training's union of two
        vectorisers has it: a row's words are row `2 * row` here, its characters `2 * row + 1`.
        Both blocks and every label are summed in one pass (`weighted_rows`), each sum over the
        row's entries in order of column from zero, then added to the intercept block by block:
        the sums and the order of their additions are those of one `bincount` per label and
        block, so the probabilities are, to the last bit."""
        entries = sublinear_tfidf([words, chars], n_rows, self._idf)
        sums = weighted_rows(entries, 2 * n_rows, self._coef_by_column).reshape(n_rows, 2, len(self._intercept))
        logits = self._intercept + sums[:, 0] + sums[:, 1]
        # The reductions `max` and `sum` run, called without their methods' Python-level wrappers.
        logits -= np.maximum.reduce(logits, axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / np.add.reduce(exp, axis=1, keepdims=True)


@lru_cache(maxsize=4)
def load_model(model_dir: str | None = None) -> AreaModel:
    """The process's exported model for `model_dir` (default: the shipped one), loaded once."""
    return AreaModel(model_dir)
