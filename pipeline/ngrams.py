"""Character and word n-grams of many spans of one text at once, as numpy arrays.

The classify stage scores every heading and sentence of a document, and the summarize stage
compares every sentence with its area's others; building their n-grams span by span (a Counter
and a few small arrays per sentence) cost more than the arithmetic on them. Here a document's
spans are laid end to end as one array of positions, each tagged with its span's row, and every
n-gram is found with a handful of whole-array operations: a character n-gram is packed into one
int64 (21 bits per code point), so looking it up in a vocabulary is a binary search over a
sorted array, and a word n-gram is the string scikit-learn would build.

Every function keeps an n-gram inside its span: a window whose first and last position carry
different rows is dropped. `sublinear_tfidf` turns the occurrences into the rows scikit-learn's
`TfidfVectorizer(sublinear_tf=True)` gives, as (row, column, value) entries.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import compress

import numpy as np

#: Bits per code point in a packed n-gram. Code points are stored plus one, so that no n-gram
#: packs to the code of a shorter one (their leading slots would be zero).
_BITS = 21
_MASK = (1 << _BITS) - 1
#: The longest n-gram that fits an int64.
MAX_PACKED = 63 // _BITS
_UNICODE_SIZE = 0x110000


class CodePointTable:
    """A function of one character (a predicate, a folding), tabulated over code points as
    characters come.

    The function stays the definition (a regular expression, `str.isalnum`, `fold`); the table
    only saves calling it again for each occurrence. A document adds the few characters never
    seen before. Values must be at least 0 (-1 marks a code point not asked yet).
    """

    def __init__(self, function: Callable[[str], int], dtype: type = np.int8) -> None:
        self.function = function
        self._table: np.ndarray = np.full(_UNICODE_SIZE, -1, dtype=dtype)

    def __call__(self, codes: np.ndarray) -> np.ndarray:
        """The function's value for each code point in `codes`."""
        found = self._table[codes]
        unknown = codes[found < 0]
        if unknown.size:
            for code in np.unique(unknown).tolist():
                self._table[code] = self.function(chr(code))
            found = self._table[codes]
        return found


def code_points(text: str) -> np.ndarray:
    """The code points of `text`, one per character (lone surrogates included)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)


def span_positions(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every position of every span `[start, end)`, spans one after another, and its span's row."""
    lengths = np.maximum(np.asarray(ends, dtype=np.int64) - starts, 0)
    rows = np.repeat(np.arange(len(lengths)), lengths)
    span_begins = np.cumsum(lengths) - lengths  # where each span's positions begin in the output
    positions = np.arange(int(lengths.sum())) + np.repeat(np.asarray(starts, dtype=np.int64) - span_begins, lengths)
    return positions, rows


def _window_starts(rows: np.ndarray, size: int) -> np.ndarray:
    """Indices where a window of `size` consecutive entries lies within one row (rows are grouped)."""
    if len(rows) < size:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(rows[:len(rows) - size + 1] == rows[size - 1:])


def packed_ngrams(codes: np.ndarray, rows: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The n-grams of `size` consecutive code points within each row, packed, and their rows.

    `codes` are code points laid out row after row (as `span_positions` gives them); n-grams come
    in order of row, then position.
    """
    if not 0 < size <= MAX_PACKED:
        raise ValueError(f"a packed n-gram holds 1 to {MAX_PACKED} characters, not {size}")
    begins = _window_starts(rows, size)
    packed = np.zeros(len(begins), dtype=np.int64)
    for offset in range(size):
        packed = (packed << _BITS) | (codes[begins + offset] + 1)
    return packed, rows[begins]


def pack(ngram: str) -> int:
    """The packed code of one n-gram, as `packed_ngrams` computes it."""
    packed = 0
    for character in ngram:
        packed = (packed << _BITS) | (ord(character) + 1)
    return packed


def unpack(packed: np.ndarray) -> list[str]:
    """The n-grams `packed_ngrams` packed into `packed` (of any sizes), as strings."""
    shifts = _BITS * np.arange(MAX_PACKED - 1, -1, -1)
    slots = (np.asarray(packed, dtype=np.int64)[:, None] >> shifts) & _MASK
    filled = slots > 0  # an n-gram shorter than MAX_PACKED leaves its leading slots empty
    joined = (slots[filled] - 1).astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    ends = np.cumsum(filled.sum(axis=1)).tolist()
    return [joined[begin:end] for begin, end in zip([0] + ends[:-1], ends)]


def word_ngrams(words: Sequence[str], rows: np.ndarray, size: int) -> tuple[list[str], np.ndarray]:
    """The n-grams of `size` consecutive words within each row, joined by a space (as
    scikit-learn joins them), and their rows; `words` are laid out row after row."""
    begins = _window_starts(rows, size)
    valid = np.zeros(max(len(words) - size + 1, 0), dtype=bool)
    valid[begins] = True
    windows = zip(*(words[offset:] for offset in range(size)))
    return list(map(" ".join, compress(windows, valid.tolist()))), rows[begins]


#: A block of tf-idf features: one entry per (row, column) with a value, ordered by row.
Entries = tuple[np.ndarray, np.ndarray, np.ndarray]


def sublinear_tfidf(rows: np.ndarray, columns: np.ndarray, n_rows: int, idf: np.ndarray) -> Entries:
    """Entries of sublinear tf-idf rows, each l2-normalised, from one (row, column) per occurrence
    of a feature; column -1, a feature the model never saw, is left out."""
    known = columns >= 0
    keys, counts = np.unique(rows[known] * len(idf) + columns[known], return_counts=True)
    rows, columns = np.divmod(keys, len(idf))
    values = (1.0 + np.log(counts)) * idf[columns]
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n_rows))
    return rows, columns, values / norms[rows]
