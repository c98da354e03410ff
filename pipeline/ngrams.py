"""Character and word n-grams of many spans of one text at once, as numpy arrays.

The classify stage scores every heading and sentence of a document, and the summarize stage
compares every sentence with its area's others; building their n-grams span by span (a Counter
and a few small arrays per sentence) cost more than the arithmetic on them. Here a document's
spans are laid end to end as one array of positions, each tagged with its span's row, and every
n-gram is found with a handful of whole-array operations: a character n-gram is packed into one
int64 (21 bits per code point), so looking it up in a vocabulary is a probe of a hash table held
in two arrays (`PackedTable`); a word n-gram is the string scikit-learn would build, or, for
inference, its words' numbers (`WordVocabulary`), so that no string is built per n-gram.

Every function keeps an n-gram inside its span: a window whose first and last position carry
different rows is dropped. `sublinear_tfidf` turns the occurrences into the rows scikit-learn's
`TfidfVectorizer(sublinear_tf=True)` gives, as (row, column, value) entries, and `sums_by_row`
sums weighted entries per row, all rows and columns in one `bincount`.

The code run per document calls array methods (`a.repeat(n)`, `a.nonzero()[0]`), here and in
the stages, rather than numpy's functions of the same name: their Python-level dispatch took a
microsecond or two a call, as long as the work itself on a short report's arrays. Gathers of many
items are `a.take(index, mode="wrap")`, their indices in range by construction: `a[index]` checks
each index by a call, 15 instructions an item against 10 (10k items from a 64k table: 9.7 against
7.1 us).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import compress

import numpy as np

from .compiled import load_alone
from .textnorm import code_point_view

#: scipy's compiled kernels of sparse matrices (`csr_matvecs`), without `scipy.sparse`'s imports.
_SPARSE_KERNELS = load_alone("scipy.sparse._sparsetools")

#: Bits per code point in a packed n-gram. Code points are stored plus one, so that no n-gram
#: packs to the code of a shorter one (their leading slots would be zero).
_BITS = 21
_MASK = (1 << _BITS) - 1
#: The longest n-gram that fits an int64.
MAX_PACKED = 63 // _BITS
_UNICODE_SIZE = 0x110000
#: 2**64 divided by the golden ratio, odd: multiplying by it spreads nearby integers over all 64
#: bits (Fibonacci hashing).
GOLDEN_64 = np.uint64(0x9E3779B97F4A7C15)


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
        found = self._table.take(codes, mode="wrap")
        # One reduction (most documents bring no new character), without `min`'s Python-level wrapper.
        if found.size and np.minimum.reduce(found) < 0:
            for code in np.unique(codes[found < 0]).tolist():
                self._table[code] = self.function(chr(code))
            found = self._table.take(codes, mode="wrap")
        return found


def number_dtype(largest: int) -> type:
    """The narrowest integer type of a `CodePointTable` whose values go up to `largest`: a
    narrower table touches fewer cache lines, which the pipeline's other stages evict."""
    return next(dtype for dtype in (np.int8, np.int16, np.int32, np.int64) if largest <= np.iinfo(dtype).max)


def numbered_letters(texts: Iterable[str], first: int) -> tuple[dict[str, int], int]:
    """The letters of `texts`, numbered from `first` in order of code point (numbers below it are
    left for letters outside them), and the bits a letter's number takes packed (plus one, as
    `pack_spans` stores it)."""
    letters = sorted(set().union(*texts))
    return {letter: number for number, letter in enumerate(letters, first)}, (first + len(letters)).bit_length()


def code_points(text: str) -> np.ndarray:
    """The code points of `text`, one per character (lone surrogates included)."""
    return code_point_view(text).astype(np.int64)


def text_of(codes: np.ndarray) -> str:
    """The text of code points (as `code_points` gives them)."""
    return codes.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


def span_positions(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every position of every span `[start, end)`, spans one after another, and its span's row."""
    lengths = np.maximum(np.asarray(ends, dtype=np.int64) - starts, 0)
    rows = np.arange(len(lengths)).repeat(lengths)
    span_begins = lengths.cumsum() - lengths  # where each span's positions begin in the output
    positions = np.arange(len(rows)) + (np.asarray(starts, dtype=np.int64) - span_begins).repeat(lengths)
    return positions, rows


def _window_starts(rows: np.ndarray, size: int) -> np.ndarray:
    """Indices where a window of `size` consecutive entries lies within one row (rows are grouped)."""
    if len(rows) < size:
        return np.empty(0, dtype=np.int64)
    return (rows[:len(rows) - size + 1] == rows[size - 1:]).nonzero()[0]


def packed_ngrams(codes: np.ndarray, rows: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The n-grams of `size` consecutive code points within each row, packed, and their rows.

    `codes` are code points laid out row after row (as `span_positions` gives them); n-grams come
    in order of row, then position.
    """
    return packed_ngram_range(codes, rows, (size, size))


def packed_ngram_range(codes: np.ndarray, rows: np.ndarray, ngram_range: tuple[int, int],
                       bits: int = _BITS) -> tuple[np.ndarray, np.ndarray]:
    """The n-grams of every size in `ngram_range` (smallest and largest), packed, and their rows:
    size after size, each as `packed_ngrams` gives them. Each size's codes extend the last's by
    one code point, for every position at once. `bits`: per code, for codes below 2**bits - 1
    (numbers of letters in an alphabet)."""
    smallest, largest = ngram_range
    if not 0 < smallest <= largest <= 63 // bits:
        raise ValueError(f"a packed n-gram holds 1 to {63 // bits} characters, not {ngram_range}")
    stored = codes + 1
    packed = stored  # the n-gram of the current size that begins at each position
    found, found_rows = [], []
    for size in range(1, largest + 1):
        if size > 1:
            packed = (packed[:-1] << bits) | stored[size - 1:]
        if size == smallest == 1:  # a single code lies within its row
            found.append(packed)
            found_rows.append(rows)
        elif size >= smallest:
            # A window within one row: rows are grouped, so its first and last rows agree.
            count = max(len(rows) - size + 1, 0)
            within = rows[:count] == rows[size - 1:]
            found.append(packed[within])
            found_rows.append(rows[:count][within])
    return np.concatenate(found), np.concatenate(found_rows)


def pack(ngrams: Sequence[str]) -> np.ndarray:
    """The packed code of each n-gram, as `packed_ngrams` computes it; -1 for one longer than
    `MAX_PACKED`."""
    lengths = np.fromiter(map(len, ngrams), dtype=np.int64, count=len(ngrams))
    ends = np.cumsum(lengths)
    return pack_spans(code_points("".join(ngrams)), ends - lengths, ends)


class PackedTable:
    """A fixed map from packed n-grams (or any integers at least 0) to integers, looked up for a
    whole array at once: an open-addressing hash table with linear probing, a quarter full.

    Binary search over the sorted keys took 14 probes into them per n-gram; here most n-grams
    take one. A key sits at most `longest_probe` slots from its hash (measured when the table is
    built), so a query that does not find its key in its home slot reads the next
    `longest_probe - 1` at once: a fixed handful of array operations, where probing step by
    step took a round of them per step (a short document's lookups cost twice as much). A key
    there equals the query only if it is the query's key, so reading on past an empty slot is
    harmless.
    """

    _EMPTY = -1

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        self._keys, self._values = self._placed(keys, values)

    def _placed(self, keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The table's slots: each key and its value at the first free slot from the key's home
        on, the slots probing wraps around to repeated after the last."""
        keys, values = np.asarray(keys, dtype=np.int64), np.asarray(values, dtype=np.int64)
        if len(np.unique(keys)) != len(keys) or (keys < 0).any():
            raise ValueError("a packed table's keys are distinct integers at least 0")
        self._bits = max(4, (4 * len(keys)).bit_length())
        self._home_shift = np.uint64(64 - self._bits)  # kept: a numpy scalar per lookup costs as much as a step
        mask = (1 << self._bits) - 1
        table_keys = np.full(1 << self._bits, self._EMPTY, dtype=np.int64)
        # An empty slot's value is -1 as well, so a query of -1 that meets one finds nothing.
        table_values = np.full(1 << self._bits, -1, dtype=np.int64)
        homes = self._home(keys)
        slots = homes.copy()
        pending = np.arange(len(keys))
        while pending.size:  # each round places at least one key
            wanted = slots[pending]
            free = table_keys[wanted] == self._EMPTY
            claimed, first = np.unique(wanted[free], return_index=True)
            winners = pending[free][first]
            table_keys[claimed] = keys[winners]
            placed = np.zeros(len(keys), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            slots[pending] = (slots[pending] + 1) & mask
        self.longest_probe = self._in_order_of_home(table_keys, table_values, keys, values, homes)
        # The slots probing wraps around to, again after the last: a query's probes are then
        # the slots from its home on, with no wrapping.
        wrapped = np.arange(max(self.longest_probe - 1, 0))
        #: The steps from a query's home slot to its further probes, as a column: built once, not per lookup.
        self._further_probes = np.arange(1, self.longest_probe)[:, np.newaxis]
        return np.concatenate([table_keys, table_keys[wrapped]]), np.concatenate([table_values, table_values[wrapped]])

    def _in_order_of_home(self, table_keys: np.ndarray, table_values: np.ndarray, keys: np.ndarray,
                          values: np.ndarray, homes: np.ndarray) -> int:
        """Lay the keys (and their values) out again over the slots linear probing filled, in
        order of home (Robin Hood's order), and return the longest probe so: the farthest key
        from its home comes 3-7 slots after it, not 9-11, and every lookup that misses its
        home slot reads that many further slots. Counted from the slot after an empty one, no
        key lies before its home (no probe ran past that slot), so the i-th filled slot is at
        or after the i-th smallest home: at least i keys lie at or before it, and their homes too."""
        filled = (table_keys != self._EMPTY).nonzero()[0]
        if not filled.size:
            return 0
        mask = len(table_keys) - 1
        after_empty = int((table_keys == self._EMPTY).argmax()) + 1  # a quarter full: one is empty
        filled = filled[np.argsort((filled - after_empty) & mask, kind="stable")]
        order = np.argsort((homes - after_empty) & mask, kind="stable")
        table_keys[filled], table_values[filled] = keys[order], values[order]
        return int(((filled - homes[order]) & mask).max()) + 1

    def _home(self, keys: np.ndarray) -> np.ndarray:
        """Each key's home slot (`keys`: int64), read as unsigned without a copy."""
        return ((keys.view(np.uint64) * GOLDEN_64) >> self._home_shift).view(np.int64)

    def __call__(self, queries: np.ndarray) -> np.ndarray:
        """The value of each query, -1 for a query that is no key (a negative one never is)."""
        queries = np.asarray(queries, dtype=np.int64)
        slots = self._home(queries)
        stored = self._keys.take(slots, mode="wrap")
        found = np.where(stored == queries, self._values.take(slots, mode="wrap"), -1)
        pending = ((stored != queries) & (stored != self._EMPTY)).nonzero()[0]
        if pending.size and self.longest_probe > 1:
            # One row per further step, so that every operation runs along the queries.
            probes = slots[pending] + self._further_probes
            matches = (self._keys.take(probes, mode="wrap") == queries[pending]).ravel().nonzero()[0]
            found[pending[matches % len(pending)]] = self._values.take(probes.ravel()[matches], mode="wrap")
        return found


class CompactTable(PackedTable):
    """A `PackedTable` for keys and values small enough to share one int64: each slot holds its
    value above its key's bits, so a lookup reads one array, one cache line per query where the
    two arrays took two (inside the pipeline, whose other stages evict the tables between
    documents, such misses are most of a lookup's cost)."""

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        if (np.asarray(values) < 0).any():
            raise ValueError("a compact table's values are at least 0")
        table_keys, table_values = self._placed(keys, values)
        self._key_bits = int(table_keys.max(initial=0)).bit_length()
        if self._key_bits + int(table_values.max(initial=0)).bit_length() > 63:
            raise ValueError("a compact table's keys and values share one int64")
        self._slots = np.where(table_keys == self._EMPTY, self._EMPTY, (table_values << self._key_bits) | table_keys)

    def __call__(self, queries: np.ndarray) -> np.ndarray:
        """The value of each query, -1 for a query that is no key (a negative one never is)."""
        queries = np.asarray(queries, dtype=np.int64)
        mask = (1 << self._key_bits) - 1
        slots = self._home(queries)
        stored = self._slots.take(slots, mode="wrap")
        # An empty slot (-1) holds every key bit: it is told apart by its sign.
        occupied = stored >= 0
        hit = ((stored & mask) == queries) & occupied
        found = np.where(hit, stored >> self._key_bits, -1)
        pending = (occupied ^ hit).nonzero()[0]  # occupied by another key (a hit is occupied)
        if pending.size and self.longest_probe > 1:
            probed = self._slots.take(slots[pending] + self._further_probes, mode="wrap")
            matches = (((probed & mask) == queries[pending]) & (probed >= 0)).ravel().nonzero()[0]
            found[pending[matches % len(pending)]] = probed.ravel()[matches] >> self._key_bits
        return found


def pack_spans(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray, bits: int = _BITS) -> np.ndarray:
    """The packed code of each span `[start, end)` of `codes`, as `pack` computes it for its
    string; -1 for a span longer than 63 // `bits` codes. `bits`: per code, for codes below
    2**bits - 1 (numbers of letters in an alphabet, not code points)."""
    lengths = ends - starts
    longest = 63 // bits
    packed = np.zeros(len(starts), dtype=np.int64)
    for offset in range(longest):
        longer = lengths > offset
        if not longer.any():
            break
        at = np.minimum(starts + offset, len(codes) - 1)  # a shorter span reads no character here
        packed = np.where(longer, (packed << bits) | (codes[at] + 1), packed)
    packed[lengths > longest] = -1
    return packed


def pack_words(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray, bits: int) -> np.ndarray:
    """What `pack_spans` gives, for many short spans of one long array (a document's words):
    the packed codes of the last `63 // bits` codes before each position, built in one pass over
    `codes`, each span's cut to its length by a mask. `pack_spans` takes a round of array
    operations per code of the longest span: three times as long for a short report's words."""
    longest = 63 // bits
    stored = codes.astype(np.int64) + 1
    windows = np.zeros(len(codes) + 1, dtype=np.int64)  # windows[i]: the last codes before i, packed
    windows[1:] = stored
    for back in range(1, longest):
        windows[back + 1:] |= stored[:-back] << (bits * back)
    lengths = ends - starts
    packed = windows.take(ends, mode="wrap") & _low_bit_masks(bits).take(np.minimum(lengths, longest), mode="wrap")
    packed[lengths > longest] = -1
    return packed


@lru_cache(maxsize=None)
def _low_bit_masks(bits: int) -> np.ndarray:
    """The masks that keep the last 0 … `63 // bits` codes of a packed n-gram."""
    return np.array([(1 << (bits * size)) - 1 for size in range(63 // bits + 1)], dtype=np.int64)


def unpack(packed: np.ndarray) -> list[str]:
    """The n-grams `packed_ngrams` packed into `packed` (of any sizes), as strings."""
    shifts = _BITS * np.arange(MAX_PACKED - 1, -1, -1)
    slots = (np.asarray(packed, dtype=np.int64)[:, None] >> shifts) & _MASK
    filled = slots > 0  # an n-gram shorter than MAX_PACKED leaves its leading slots empty
    joined = text_of(slots[filled] - 1)
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


class WordVocabulary:
    """Word n-gram features (one word, or two joined by a space as scikit-learn joins them) and
    their columns, looked up by the words' spans in a text instead of by each n-gram's string.

    A word is looked up as a piece: its id among the strings a feature may be made of. Any
    feature may be one word, and so may either side of each space in it (when it is two). A word
    up to five characters long is found by its packed code (see `__init__`), a longer one by its string; a
    bigram is the pair of its words' piece ids. `a b` is a feature exactly when `a` and `b` are
    pieces and their pair is listed, whatever spaces the words themselves hold.
    """

    def __init__(self, vocabulary: Mapping[str, int], ngram_range: tuple[int, int],
                 normalise: Callable[[str], str] = str) -> None:
        """`normalise`: how a text's words are read before they are looked up (as the features
        were built; character by character, keeping lengths); by default as they are."""
        if not 1 <= ngram_range[0] <= ngram_range[1] <= 2:
            raise ValueError(f"word n-grams of one or two words are looked up, not {ngram_range}")
        self.sizes = range(ngram_range[0], ngram_range[1] + 1)
        # A feature's piece id is its column, so that a word's column needs no second lookup;
        # the pieces that are no feature themselves (sides of bigrams) are numbered after them.
        pieces = dict(vocabulary)
        self._features = max(pieces.values(), default=-1) + 1
        if len(set(pieces.values())) != len(pieces) or min(pieces.values(), default=0) < 0:
            raise ValueError("a word vocabulary's columns are distinct integers at least 0")

        def piece(word: str) -> int:
            return pieces.setdefault(word, self._features + len(pieces) - len(vocabulary))

        pairs: list[tuple[int, int, int]] = []
        for feature, column in vocabulary.items():
            space = feature.find(" ")
            while space >= 0:
                pairs.append((piece(feature[:space]), piece(feature[space + 1:]), column))
                space = feature.find(" ", space + 1)
        # Words are packed by their letters' numbers in the pieces' alphabet (0: a letter no
        # piece holds), stored plus one as code points are: a few bits a letter, so that words
        # up to five letters long (three by code point) need no lookup of their string.
        alphabet, self._letter_bits = numbered_letters(pieces, 1)
        self._normalise = normalise
        self._letters = CodePointTable(lambda character: alphabet.get(normalise(character), 0),
                                       dtype=number_dtype(len(alphabet)))
        self._longest_packed = 63 // self._letter_bits
        lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
        ends = np.cumsum(lengths)
        packed = pack_spans(self._letters(code_points("".join(pieces))), ends - lengths, ends, self._letter_bits)
        ids = np.fromiter(pieces.values(), dtype=np.int64, count=len(pieces))
        self._short = PackedTable(packed[packed >= 0], ids[packed >= 0])
        self._long = {piece: number for piece, number in pieces.items() if len(piece) > self._longest_packed}
        self._pieces = self._features + len(pieces) - len(vocabulary)
        first, second, columns = np.array(pairs, dtype=np.int64).reshape(-1, 3).T
        self._pairs = CompactTable(first * self._pieces + second, columns)

    def piece_ids(self, text: str, codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """The piece id of each word `[start, end)` of `text` (`codes`: its code points), -1 for
        a word that is no piece."""
        ids = self._short(pack_words(self._letters(codes), starts, ends, self._letter_bits))
        long = (ends - starts > self._longest_packed).nonzero()[0]
        if long.size:  # rare: most documents' words are all packed
            ids[long] = [self._long.get(self._normalise(text[start:end]), -1)
                         for start, end in zip(starts[long].tolist(), ends[long].tolist())]
        return ids

    def columns(self, text: str, codes: np.ndarray, words: tuple[np.ndarray, np.ndarray, np.ndarray]
                ) -> tuple[np.ndarray, np.ndarray]:
        """The row and column (-1: no feature) of every n-gram of `words` (starts, ends and rows of
        the words of `text`, laid out row after row as `word_ngrams` takes them)."""
        starts, ends, rows = words
        ids = self.piece_ids(text, codes, starts, ends)
        found_rows, found_columns = [], []
        if 1 in self.sizes:
            found_rows.append(rows)
            found_columns.append(np.where(ids < self._features, ids, -1))
        if 2 in self.sizes:
            begins = _window_starts(rows, 2)
            first, second = ids.take(begins, mode="wrap"), ids.take(begins + 1, mode="wrap")
            found_rows.append(rows.take(begins, mode="wrap"))
            found_columns.append(self._pairs(np.where((first >= 0) & (second >= 0),
                                                      first * self._pieces + second, -1)))
        return np.concatenate(found_rows), np.concatenate(found_columns)


#: A block of tf-idf features: one entry per (row, column) with a value, ordered by row.
Entries = tuple[np.ndarray, np.ndarray, np.ndarray]


def sublinear_tfidf(blocks: Sequence[tuple[np.ndarray, np.ndarray]], n_rows: int, idf: np.ndarray) -> Entries:
    """Entries of sublinear tf-idf rows, each l2-normalised, from one (row, column) per occurrence
    of a feature; column -1, a feature the model never saw, is left out. `blocks` of occurrences
    (rows and columns; `n_rows` rows each) are weighed apart and interleaved: row `r` of block
    `b` is the entries' row `r * 2**k + b`, for the smallest `k` with `2**k` blocks or more."""
    block_bits = (len(blocks) - 1).bit_length()
    column_bits = len(idf).bit_length()
    # Row, block and column packed in one key, ordered as they are; shifts, not a division, part
    # them. An unknown column (-1) sets every bit of its key, whatever the row: those keys, all
    # -1, sort first and are dropped as one run. Selecting the known keys before the sort copied
    # them run by run between the unknown ones (a quarter of a batch's n-grams; 0.5 M instructions).
    n_rows <<= block_bits
    occurrences = np.concatenate([(rows << (block_bits + column_bits)) | ((block << column_bits) | columns)
                                  for block, (rows, columns) in enumerate(blocks)],
                                 dtype=np.int32 if n_rows << column_bits <= 1 << 31 else np.int64)
    keys, counts = _distinct_counts(occurrences)
    if len(keys) and keys[0] < 0:
        keys, counts = keys[1:], counts[1:]
    rows, columns = keys >> column_bits, keys & ((1 << column_bits) - 1)
    values = _sublinear_tf(counts) * idf.take(columns, mode="wrap")
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n_rows))
    return rows, columns, values / norms.take(rows, mode="wrap")


def _sublinear_tf(counts: np.ndarray) -> np.ndarray:
    """`1.0 + np.log(counts)`, to the bit, read from a table of every count up to the largest:
    an n-gram rarely occurs more than a few times in a row, and `log` of each entry took more
    instructions than the rest of the weighting (1.4 M a bundled pass)."""
    table = np.empty(int(counts.max(initial=0)) + 1)
    # The same `log` loop on the same integers gives the same floats; the unused 0 stays out of it.
    np.add(1.0, np.log(np.arange(1, len(table))), out=table[1:])
    return table.take(counts, mode="wrap")


def sums_by_row(rows: np.ndarray, weights: np.ndarray, n_rows: int) -> np.ndarray:
    """The sums per row (rows: each entry's) of `weights` (one row per column of the result,
    one column per entry), each summed in order of entries from zero, as a loop over the
    entries would: one `bincount` for all rows and columns. Column by column, the slots are a
    broadcast sum that runs along the entries (a `repeat` per entry copied item by item)."""
    width = len(weights)
    slots = rows * width + np.arange(width)[:, np.newaxis]
    return np.bincount(slots.ravel(), weights=weights.ravel(), minlength=n_rows * width).reshape(n_rows, width)


def weighted_rows(entries: Entries, n_rows: int, table: np.ndarray) -> np.ndarray:
    """Per row (`n_rows` rows), the sum over its entries of value times `table[column]` (a
    C-contiguous float64 table), each summed in order of entries from zero, as `sums_by_row`
    sums the products: one pass of scipy's compiled CSR product, whose loop adds each product,
    rounded, to the row's running sum (no fused multiply-add in the wheels; the tests hold the
    scores to the bit). Gathering the table's rows, multiplying and summing them with numpy
    took 7.5 M instructions for a bundled batch's 16,400 entries; this, 0.8 M."""
    rows, columns, values = entries
    row_starts = np.zeros(n_rows + 1, dtype=np.int64)
    np.bincount(rows, minlength=n_rows).cumsum(out=row_starts[1:])
    sums = np.zeros((n_rows, table.shape[1]))
    _SPARSE_KERNELS.csr_matvecs(n_rows, len(table), table.shape[1], row_starts, columns, values, table, sums)
    return sums


def _distinct_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys (at least -1), sorted, and how often each occurs: `np.unique` without
    its overheads, sorting `keys` in place. Keys that fit int32 (a batch's n-grams) are sorted
    as such, whose quicksort took 0.9 M instructions on a bundled batch's 18,700 keys against
    2.2 M for the timsort of int64 (and the same time); larger ones by timsort, which merges
    their runs (a block's keys come row after row) in half the time int64's quicksort takes.
    Equal integers are all alike, so the sort's stability does not matter."""
    keys.sort(kind="stable" if keys.dtype == np.int64 else None)
    is_first = np.empty(len(keys), dtype=bool)
    is_first[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=is_first[1:])
    firsts = is_first.nonzero()[0]
    return keys.take(firsts, mode="wrap").astype(np.int64, copy=False), run_lengths(firsts, len(keys))


def run_lengths(run_starts: np.ndarray, total: int) -> np.ndarray:
    """The length of each run of `total` items, from where the runs start (sorted, the first at
    0): `np.diff(run_starts, append=total)` without its Python-level overhead."""
    lengths = np.empty(len(run_starts), dtype=np.int64)
    np.subtract(run_starts[1:], run_starts[:-1], out=lengths[:-1])
    lengths[-1:] = total - run_starts[-1:]
    return lengths
