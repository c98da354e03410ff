"""Tokenize: jieba word segmentation with the project's domain dictionary, with offsets.

Two interchangeable backends run jieba's dictionary and algorithm:

* `rjieba` (jieba-rs, compiled): the default. On the 72 national government work reports in
  `../shared/corpora` (2.2M characters, 2026-11-27, 2-core machine) it segmented 2.9M
  characters/s against jieba's 0.23M (12x), loaded with the domain dictionary in 0.3 s against
  1.3 s, and gave identical token spans on 71 of the 72 reports (one differs in an HMM guess for
  an unknown word). That is what lets a cold single-report run fit in a second and a half.
* `jieba` (the reference implementation), through a private `jieba.Tokenizer` so the pipeline
  never touches jieba's global state, and with its logging silenced.

Tokens are cut from the folded text and carry offsets into the original; white space is not a
token. The stage keeps only their offsets, in two integer arrays on the draft (see `Draft`).
"""
from __future__ import annotations

import logging
import sys
from array import array
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from ..compiled import load_alone
from ..data import data_lines
from ..draft import Draft, offset_array
from ..textnorm import WHITE_SPACE, code_point_view

NAME = "tokenize"
REQUIRES = ("text", "folded")
PROVIDES = ("tokens",)

BACKENDS = ("rjieba", "jieba")


@lru_cache(maxsize=1)
def domain_terms() -> tuple[tuple[str, int | None], ...]:
    """`(word, frequency)` pairs from `data/domain_dict.txt`, comments skipped."""
    entries = []
    for line in data_lines("domain_dict.txt"):
        word, _, frequency = line.partition(" ")
        entries.append((word, int(frequency) if frequency else None))
    return tuple(entries)


class Segmenter:
    """One loaded jieba dictionary (plus the domain terms) behind `bounds(text)`."""

    def __init__(self, backend: str = "rjieba") -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown tokenizer backend {backend!r}; choose from {BACKENDS}")
        self.backend = backend
        if backend == "rjieba":
            self._engine = _rjieba_class()()
            self._cut = self._engine.cut
        else:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            self._engine = jieba.Tokenizer()
            self._cut = lambda text: self._engine.lcut(text, HMM=True)
        for word, frequency in domain_terms():
            self._engine.add_word(word, frequency, None)

    def bounds(self, text: str, codes: np.ndarray | None = None) -> tuple[array, array]:
        """Start and end offsets of every non-space token in `text` (whose code points are `codes`,
        where the caller has them). The words are cut, not tokenized: their offsets are running
        sums of their lengths, and only the words that start with white space are looked at
        again, to drop those that are all space."""
        words = self._cut(text)
        lengths = _word_lengths(words)
        ends = np.cumsum(lengths, dtype=np.intc)
        starts = ends - lengths
        if words:
            # Clipped: an empty word at the very end starts past the last character; it is kept.
            if codes is None:
                codes = code_point_view(text)
            spaces = WHITE_SPACE.take(codes.take(starts, mode="clip"), mode="clip")
            for index in np.flatnonzero(spaces).tolist():
                spaces[index] = words[index].isspace()
            if spaces.any():
                kept = spaces == 0
                starts, ends = starts[kept], ends[kept]
        return offset_array(starts), offset_array(ends)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """`(start, end)` of every non-space token in `text`."""
        return list(zip(*self.bounds(text)))


def _word_lengths(words: list[str]) -> np.ndarray:
    """The length of each word. Read through `bytes`, which takes each length in C, when every
    word is shorter than 256 characters, as in any Chinese text: `np.fromiter` packs each length
    as a numpy scalar first (1.5 against 1.1 M instructions for the bundled reports' 3,922 words).
    A longer word (a run of digits or Latin letters) is read the slow way."""
    try:
        return np.frombuffer(bytes(map(len, words)), dtype=np.uint8)
    except ValueError:
        return np.fromiter(map(len, words), dtype=np.intc, count=len(words))


def _rjieba_class() -> type:
    """rjieba's `Jieba`, loaded without running the `rjieba` package's `__init__`, which builds a
    default segmenter of its own: a second load of the whole dictionary (0.15-0.4 s of a cold
    start) that the pipeline never uses."""
    if "rjieba" in sys.modules:
        return sys.modules["rjieba"].Jieba
    return load_alone("rjieba.rjieba").Jieba


@lru_cache(maxsize=len(BACKENDS))
def segmenter(backend: str = "rjieba") -> Segmenter:
    """The process's segmenter for `backend`, loaded once."""
    return Segmenter(backend)


def make_stage(*, backend: str = "rjieba") -> Callable[[Draft], None]:
    engine = segmenter(backend)

    def run(draft: Draft) -> None:
        draft.set_token_bounds(*engine.bounds(draft.folded, draft.folded_code_points()))

    return run
