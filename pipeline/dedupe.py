"""Reposts: the same report several times in one corpus (a county's review reposted by the city,
a WeChat copy, a PDF), found by MinHash.

Each text is reduced to what a repost keeps: Chinese characters and digits only, traditional
characters folded to simplified ones (`pipeline.textnorm.fold`), so punctuation, spacing, line
breaks, Latin site furniture and the script do not count. Its shingles (runs of `SHINGLE`
characters) are sketched with MinHash and indexed by locality-sensitive hashing (`datasketch`)
at a low Jaccard threshold, which only proposes pairs; each proposed pair is then measured as
the share of the shorter text's shingles that the longer one holds (containment, from the two
sketches' Jaccard estimate J and the exact shingle counts a, b: |A∩B| = J(a+b)/(1+J)), because a
cut copy holds all of a short piece of the original: its Jaccard similarity is low, its
containment 1. A pair at or above `THRESHOLD` is one report; the first of a group in corpus
order is the original, and every later one is recorded as `duplicate_of` it, with its
containment as `similarity`.

Work is linear in the corpus: one sketch and one index query per text; memory is a sketch (128
numbers) per text, not its shingles.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .textnorm import CJK_CLASS, fold

if TYPE_CHECKING:
    import numpy as np

#: Characters per shingle: long enough that two different reports of one genre share few.
SHINGLE = 5
#: Containment at which two texts are one report.
THRESHOLD = 0.8
#: The LSH index proposes pairs from this Jaccard similarity on (a cut copy of half the original
#: has Jaccard 0.5); each proposal's containment is then estimated and held to THRESHOLD.
_PROPOSE_FROM = 0.3
_PERMUTATIONS = 128
#: Shorter texts have too few shingles to tell a repost from a shared formula.
MIN_CHARS = 50
_KEPT = re.compile(f"[{CJK_CLASS}0-9]+")


@dataclass(frozen=True, slots=True)
class Repost:
    key: str
    duplicate_of: str
    similarity: float


def _shingle_hashes(text: str) -> "np.ndarray":
    """The distinct 32-bit hashes of the text's shingles, computed for all positions at once.
    A polynomial hash in wrapping 64-bit arithmetic, folded to 32 bits: a Python hash per
    shingle (datasketch's default SHA-1 of each) made repost detection cost as much as the
    whole pipeline on a corpus; collisions among one text's shingles are negligible at 32 bits."""
    import numpy as np

    from .ngrams import GOLDEN_64, code_points

    kept = "".join(_KEPT.findall(fold(text)))
    if len(kept) < SHINGLE:
        return np.empty(0, dtype=np.uint64)
    points = code_points(kept).astype(np.uint64)
    count = len(points) - SHINGLE + 1
    hashes = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):  # the hash wraps around 2**64 by design
        for offset in range(SHINGLE):
            hashes = hashes * GOLDEN_64 + points[offset:offset + count]
    return np.unique((hashes ^ (hashes >> np.uint64(32))) & np.uint64(0xFFFFFFFF))


def find_reposts(texts: Iterable[tuple[str, str]]) -> list[Repost]:
    """`texts`: (key, text) in corpus order. Returns one `Repost` per text that repeats an
    earlier one, naming the earliest text of its group."""
    from datasketch import MinHash, MinHashLSH

    index = MinHashLSH(threshold=_PROPOSE_FROM, num_perm=_PERMUTATIONS)
    sketches: dict[str, tuple[MinHash, int]] = {}
    original_of: dict[str, str] = {}
    reposts: list[Repost] = []
    for key, text in texts:
        own = _shingle_hashes(text)
        if len(own) + SHINGLE - 1 < MIN_CHARS:
            continue
        sketch = MinHash(num_perm=_PERMUTATIONS, hashfunc=int)  # the values are hashes already
        sketch.update_batch(own.tolist())
        best = None
        for other in index.query(sketch):
            similarity = containment(sketch, len(own), *sketches[other])
            if similarity >= THRESHOLD and (best is None or similarity > best[1]):
                best = (other, similarity)
        if best is not None:
            original = original_of.get(best[0], best[0])
            original_of[key] = original
            reposts.append(Repost(key, original, round(best[1], 4)))
        index.insert(key, sketch)
        sketches[key] = (sketch, len(own))
    return reposts


def containment(first, first_size: int, second, second_size: int) -> float:
    """Share of the smaller shingle set inside the larger, estimated from two MinHash sketches."""
    jaccard = first.jaccard(second)
    shared = jaccard * (first_size + second_size) / (1 + jaccard)
    return min(1.0, shared / min(first_size, second_size))


def mark_reposts(folder: Path) -> list[Repost]:
    """Find reposts among the reports of a run's output folder and record them in its manifest:
    each row gains `duplicate_of` (the original's `doc_id`, or null) and `similarity`."""
    import orjson

    from .batch import MANIFEST, atomic_write

    manifest = folder / MANIFEST
    rows = [orjson.loads(line) for line in manifest.read_bytes().splitlines() if line.strip()]

    def texts():
        for row in rows:
            if row.get("ok") and row.get("output"):
                try:
                    data = orjson.loads((folder / row["output"]).read_bytes())
                except (OSError, orjson.JSONDecodeError):
                    continue
                if isinstance(data.get("text"), str):
                    yield row["doc_id"], data["text"]

    reposts = {repost.key: repost for repost in find_reposts(texts())}
    for row in rows:
        repost = reposts.get(row.get("doc_id"))
        row["duplicate_of"] = repost.duplicate_of if repost else None
        row["similarity"] = repost.similarity if repost else None
    atomic_write(manifest, "".join(orjson.dumps(row).decode("utf-8") + "\n" for row in rows))
    return list(reposts.values())


def reposted_outputs(folder: Path) -> set[str]:
    """Output file names the manifest of `folder` marks as reposts (for `--dedupe`)."""
    import orjson

    from .batch import MANIFEST

    manifest = folder / MANIFEST
    if not manifest.is_file():
        return set()
    rows = (orjson.loads(line) for line in manifest.read_bytes().splitlines() if line.strip())
    return {row["output"] for row in rows if row.get("duplicate_of") and row.get("output")}
