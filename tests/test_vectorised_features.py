"""The document-at-once features of classify and summarize against a plain per-sentence reference:
the n-grams, the tf-idf probabilities and the centrality of the representative sentence."""
from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.draft import Draft, bounds_between
from pipeline.ngrams import (CompactTable, PackedTable, WordVocabulary, code_points, pack, pack_spans, pack_words,
                             packed_ngrams, span_positions, sublinear_tfidf, unpack, weighted_rows,
                             word_ngrams)
from pipeline.records import DocumentMeta
from pipeline.rounding import python_round
from pipeline.stages import segment, tokenize
from pipeline.area_model import CHAR_NGRAMS, WORD_NGRAMS, char_feature_rows, load_model, word_feature_rows
from pipeline.stages.classify import char_analyzer, word_analyzer
from pipeline.stages.summarize import _stable_sort_by, centrality
from pipeline.textnorm import fold

# An invented report: full-width digits and letters, an underscore, Latin words, a traditional
# character, punctuation alone, a sentence repeated, and a heading over its paragraph.
TEXT = """青禾县2023年統一战线工作总结
一、凝聚共识
全县举办“同心讲堂”１２场，参加人员3,400人次。民建青禾支部提交调研报告_草案2篇！
青禾县工商联组织 Private Economy 论坛，会员企业捐款１５０万元。
……
二、服务发展
县侨联走访归侨侨眷86户。县侨联走访归侨侨眷86户。
"""


@pytest.fixture(scope="module")
def draft() -> Draft:
    meta = DocumentMeta(doc_id="t", source="t.txt", sha256="0" * 64, encoding="utf-8", format="text",
                        chars=len(TEXT))
    made = Draft(text=TEXT, folded=fold(TEXT), meta=meta)
    segment.make_stage()(made)
    tokenize.make_stage()(made)
    return made


def _spans(draft: Draft) -> list[tuple[int, int]]:
    headings = [(s.heading.start, s.heading.end) for s in draft.sections if s.heading is not None]
    return headings + [(s.start, s.end) for s in draft.sentences] + [(5, 5)]  # and an empty span


def _as_arrays(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    array = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return array[:, 0], array[:, 1]


def _token_arrays(draft: Draft) -> tuple[np.ndarray, np.ndarray]:
    return _as_arrays([(token.start, token.end) for token in draft.tokens])


# --- the reference: one sentence at a time, strings and Counters ---------------------------------

def reference_word_features(tokens: list[str]) -> list[str]:
    words = [re.sub(r"\d", "0", token) for token in tokens if not re.fullmatch(r"[^\w]+", token)]
    return [" ".join(words[i:i + size]) for size in range(WORD_NGRAMS[0], WORD_NGRAMS[1] + 1)
            for i in range(len(words) - size + 1)]


def reference_char_features(text: str) -> list[str]:
    letters = re.sub(r"\d", "0", re.sub(r"[^\w]+", "", fold(text)))
    return [letters[i:i + size] for size in range(CHAR_NGRAMS[0], CHAR_NGRAMS[1] + 1)
            for i in range(len(letters) - size + 1)]


def reference_probabilities(features: tuple[list[str], list[str]]) -> np.ndarray:
    model = load_model()
    idf = {"words": model.words.idf_, "chars": model.chars.idf_}
    vocabulary = json.loads((model.model_dir / "vocabulary.json").read_text("utf-8"))
    vocabulary = {name: dict(pairs) for name, pairs in vocabulary.items()}
    logits = model._intercept.copy()
    # The model's features: the word block's columns, then the character block's.
    first_columns = {"words": 0, "chars": len(model.words.idf_)}
    for name, listed in (("words", features[0]), ("chars", features[1])):
        counts = Counter(vocabulary[name][f] for f in listed if f in vocabulary[name])
        weights = {column: (1 + math.log(tf)) * idf[name][column] for column, tf in counts.items()}
        norm = math.sqrt(sum(value * value for value in weights.values()))
        for column, value in weights.items():
            logits += model._coef_by_column[first_columns[name] + column] * (value / norm)
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()


def _rows(features, rows, count: int) -> list[Counter]:
    grouped = [Counter() for _ in range(count)]
    for feature, row in zip(features, rows.tolist()):
        grouped[row][feature] += 1
    return grouped


def test_word_features_of_each_span_are_those_of_its_tokens(draft):
    spans = _spans(draft)
    features, rows = word_feature_rows(draft.folded, _as_arrays(spans), _token_arrays(draft))
    expected = [Counter(reference_word_features([draft.folded[a:b] for a, b in bounds_between(*draft.token_offsets(), s, e)]))
                for s, e in spans]
    assert _rows(features, rows, len(spans)) == expected
    assert any("0" in feature for feature in features) and any(" " in feature for feature in features)


def test_character_features_of_each_span_are_those_of_its_text(draft):
    spans = _spans(draft)
    packed, rows = char_feature_rows(draft.folded, _as_arrays(spans))
    expected = [Counter(reference_char_features(draft.folded[s:e])) for s, e in spans]
    assert _rows(unpack(packed), rows, len(spans)) == expected
    assert expected[-1] == Counter()


def test_the_analyzers_give_the_reference_features_in_order():
    sentence = "县工商联举办Ｅ商_培训班３期，参训企业家210人次。"
    assert char_analyzer(sentence) == reference_char_features(sentence)
    assert word_analyzer(sentence) == reference_word_features(
        [fold(sentence)[start:end] for start, end in tokenize.segmenter().spans(fold(sentence))])


def test_probabilities_of_a_document_equal_the_per_sentence_reference(draft):
    spans = _spans(draft)
    scores = load_model().span_probabilities(draft.folded, _as_arrays(spans), _token_arrays(draft))
    for (start, end), row in zip(spans, scores):
        tokens = [draft.folded[a:b] for a, b in bounds_between(*draft.token_offsets(), start, end)]
        expected = reference_probabilities((reference_word_features(tokens),
                                            reference_char_features(draft.folded[start:end])))
        assert np.allclose(row, expected, rtol=0, atol=1e-12)


def test_spans_without_a_known_feature_score_as_the_intercept_alone():
    model = load_model()
    expected = np.exp(model._intercept - model._intercept.max())
    scores = model.probabilities(["", "ـــ ـــ", "……"])
    assert np.allclose(scores, expected / expected.sum(), rtol=0, atol=1e-15)


def test_centrality_equals_the_per_sentence_counters_to_the_last_bit(draft):
    def bigrams(text: str) -> Counter:
        characters = [c for c in text if c.isalnum()]
        return Counter(a + b for a, b in zip(characters, characters[1:]))

    areas = [index % 2 for index in range(len(draft.sentences))]  # two areas, interleaved
    expected = []
    for sentence, area in zip(draft.sentences, areas):
        vectors = []
        for other, other_area in zip(draft.sentences, areas):
            counts = bigrams(draft.folded[other.start:other.end])
            norm = math.sqrt(sum(n * n for n in counts.values()))
            vectors.append(({k: n / norm for k, n in counts.items()} if norm else {}, other_area))
        centroid: Counter = Counter()
        for vector, other_area in vectors:
            if other_area == area:
                centroid.update(vector)
        own = vectors[draft.sentences.index(sentence)][0]
        expected.append(round(sum(weight * centroid[key] for key, weight in own.items()), 9))
    assert centrality(draft.sentences, draft.folded, areas) == expected
    # The repeated sentence is equally central.
    assert expected[-1] == expected[-2] > 0


@pytest.mark.parametrize("n_rows", [40, 2 ** 11])  # keys (row and column) in 27 bits, and in 32
def test_sublinear_tfidf_weighs_each_distinct_feature_of_a_row_as_the_plain_formula(n_rows):
    rng = np.random.default_rng(3)
    idf = rng.random(2 ** 20) + 1.0
    # Rows come in runs, columns repeat within a row up to a dozen times, -1 is an unknown feature.
    rows = np.sort(rng.integers(0, 40, 2000))
    columns = np.where(rng.random(2000) < 0.2, -1, rng.integers(0, 30, 2000) * rng.integers(1, 10, 2000))
    found_rows, found_columns, values = sublinear_tfidf([(rows, columns)], n_rows, idf)
    counts = Counter((row, column) for row, column in zip(rows.tolist(), columns.tolist()) if column >= 0)
    pairs = sorted(counts)
    assert list(zip(found_rows.tolist(), found_columns.tolist())) == pairs
    weights = np.array([(1.0 + np.log(counts[pair])) * idf[pair[1]] for pair in pairs])
    norms = np.zeros(n_rows)
    np.add.at(norms, found_rows, weights * weights)
    assert (values == weights / np.sqrt(norms)[found_rows]).all()


def test_sublinear_tfidf_of_blocks_weighs_each_on_its_own_and_interleaves_their_rows():
    rng = np.random.default_rng(5)
    idf = rng.random(3000) + 1.0
    blocks = [(np.sort(rng.integers(0, 30, size)), np.where(rng.random(size) < 0.2, -1, rng.integers(0, 3000, size)))
              for size in (500, 0, 1200)]
    # Three blocks take two bits: block b's row r is row 4r + b.
    interleaved = (np.concatenate([4 * rows + block for block, (rows, _) in enumerate(blocks)]),
                   np.concatenate([columns for _, columns in blocks]))
    order = np.argsort(interleaved[0], kind="stable")
    together = sublinear_tfidf(blocks, 30, idf)
    alone = sublinear_tfidf([(interleaved[0][order], interleaved[1][order])], 120, idf)
    assert all(np.array_equal(mine, theirs) for mine, theirs in zip(together, alone))


def test_weighted_rows_sum_each_row_as_a_loop_over_its_entries_from_zero_to_the_last_bit():
    rng = np.random.default_rng(7)
    table = rng.normal(size=(500, 9))
    # Rows in runs, some empty (the last ones too), columns in any order, values of every magnitude.
    rows = np.sort(rng.integers(0, 60, 3000))
    columns = rng.integers(0, 500, 3000)
    values = rng.random(3000) * 10.0 ** rng.integers(-8, 8, 3000)
    expected = np.zeros((64, 9))
    for row, column, value in zip(rows.tolist(), columns.tolist(), values.tolist()):
        expected[row] += table[column] * value
    assert np.array_equal(weighted_rows((rows, columns, values), 64, table).view(np.int64), expected.view(np.int64))
    assert weighted_rows((rows[:0], columns[:0], values[:0]), 3, table).tolist() == [[0.0] * 9] * 3


def test_a_run_loads_scipys_sparse_kernels_alone_and_scipy_sparse_still_imports_after_them():
    code = ("import sys, pipeline\n"
            "pipeline.process_text('柳岸县委统战部开展“同心护企”活动3次。')\n"
            "assert 'scipy.sparse._sparsetools' in sys.modules and 'scipy.sparse' not in sys.modules\n"
            "kernels = sys.modules['scipy.sparse._sparsetools']\n"
            "import scipy.sparse\n"
            "import scipy.sparse._sparsetools as imported\n"
            "assert imported is kernels\n"
            "assert (scipy.sparse.csr_matrix([[0.0, 2.0]]) @ [[1.0], [3.0]]).tolist() == [[6.0]]\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_stable_sort_keeps_equal_keys_in_order_whether_they_pack_with_their_positions_or_not():
    rng = np.random.default_rng(5)
    for values, areas in ((rng.integers(0, 50, 3000), rng.integers(0, 40, 3000)),
                          (rng.integers(0, 2 ** 62, 10), rng.integers(0, 3, 10)),
                          (np.array([2 ** 63 - 1, 0, 2 ** 63 - 1, 2 ** 63 - 1]), np.array([1, 0, 1, 0])),
                          (np.array([7]), np.array([0])), (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))):
        order, opens = _stable_sort_by(values, areas)
        expected = sorted(range(len(values)), key=lambda at: (int(values[at]), int(areas[at])))
        assert order.tolist() == expected
        keys = [(int(values[at]), int(areas[at])) for at in expected]
        assert opens.tolist() == [at == 0 or keys[at] != keys[at - 1] for at in range(len(keys))]


def test_packed_ngrams_stay_inside_their_span_and_unpack_to_their_text():
    text = "甲乙丙丁戊𠀋"
    positions, rows = span_positions(np.array([0, 3, 6]), np.array([3, 6, 6]))
    codes = np.array([ord(text[p]) for p in positions], dtype=np.int64)
    packed, packed_rows = packed_ngrams(codes, rows, 2)
    assert unpack(packed) == ["甲乙", "乙丙", "丁戊", "戊𠀋"] and packed_rows.tolist() == [0, 0, 1, 1]
    assert pack(["丁戊", "丁", "\x00丁", "丁戊己庚"]).tolist() == [packed[2], pack(["丁"])[0], pack(["\x00丁"])[0], -1]
    assert pack(["丁"])[0] != pack(["\x00丁"])[0]


@given(st.integers(1, 21).flatmap(lambda bits: st.tuples(
    st.just(bits), st.lists(st.integers(0, 2 ** bits - 2), max_size=30),
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 8)), max_size=20))))
def test_words_packed_from_their_ends_are_packed_as_spans(case):
    bits, codes, spans = case
    spans = [(min(start, len(codes)), min(start + length, len(codes))) for start, length in spans]
    starts, ends = (np.array(side, dtype=np.int64).reshape(-1) for side in zip(*spans)) if spans else \
        (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    codes = np.array(codes, dtype=np.int64)
    assert pack_words(codes, starts, ends, bits).tolist() == pack_spans(codes, starts, ends, bits).tolist()


def test_a_packed_table_finds_every_key_and_nothing_else():
    rng = np.random.default_rng(7)
    keys = np.concatenate([rng.choice(2 ** 62, 3000, replace=False), np.arange(1, 500)])  # spread and crowded
    values = rng.integers(0, 10 ** 6, len(keys))
    table = PackedTable(keys, values)
    queries = np.concatenate([keys, rng.integers(0, 2 ** 62, 2000), np.arange(-3, 600)])
    expected = dict(zip(keys.tolist(), values.tolist()))
    assert table(queries).tolist() == [expected.get(query, -1) for query in queries.tolist()]
    assert PackedTable(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))(queries).tolist() == [-1] * len(queries)


def test_a_compact_table_finds_every_key_and_nothing_else():
    rng = np.random.default_rng(11)
    keys = np.concatenate([rng.choice(2 ** 40, 3000, replace=False), np.arange(1, 500)])
    values = rng.integers(0, 2 ** 16, len(keys))
    table = CompactTable(keys, values)
    # All ones in the key's bits, as an empty slot holds them, and keys wider than the table's.
    queries = np.concatenate([keys, rng.integers(0, 2 ** 45, 2000), np.arange(-3, 600), [2 ** 40 - 1]])
    expected = dict(zip(keys.tolist(), values.tolist()))
    assert table(queries).tolist() == [expected.get(query, -1) for query in queries.tolist()]
    with pytest.raises(ValueError):
        CompactTable(np.array([2 ** 60]), np.array([2 ** 10]))


def test_word_vocabulary_finds_the_columns_the_joined_strings_have():
    # Words of one to eight characters, unknown ones, and words holding spaces, whose bigrams
    # could be read two ways (`甲 乙` + `丙` and `甲` + `乙 丙` both make `甲 乙 丙`).
    text = "青禾县统一战线工作总结甲 乙丙甲乙 丙0万元青禾县"
    words = [(0, 3), (3, 9), (9, 11), (11, 14), (14, 15), (15, 16), (16, 19), (19, 20), (20, 22), (22, 25)]
    rows = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2])
    vocabulary = {feature: column for column, feature in enumerate([
        "青禾县", "统一战线工作", "青禾县 统一战线工作", "统一战线工作 总结", "甲 乙 丙", "甲 乙", "丙",
        "乙 丙", "0 万元", "万元 青禾县", "总结 甲", "甲乙 丙 0"])}
    starts, ends = (np.array(side, dtype=np.int64) for side in zip(*words))
    strings = [text[start:end] for start, end in words]
    found_rows, columns = WordVocabulary(vocabulary, (1, 2)).columns(text, code_points(text), (starts, ends, rows))
    expected_features = [feature for size in (1, 2) for feature in word_ngrams(strings, rows, size)[0]]
    assert columns.tolist() == [vocabulary.get(feature, -1) for feature in expected_features]
    assert found_rows.tolist() == np.concatenate([word_ngrams(strings, rows, size)[1] for size in (1, 2)]).tolist()
    assert vocabulary["甲 乙 丙"] in columns.tolist() and vocabulary["统一战线工作"] in columns.tolist()


def test_python_round_of_an_array_is_pythons_to_the_last_bit():
    rng = np.random.default_rng(3)
    halves = (rng.integers(0, 10 ** 4, 20000) + 0.5) / 1e4
    values = np.concatenate([rng.random(100000), halves, np.nextafter(halves, 0), np.nextafter(halves, 1),
                             np.arange(65) / 64, [0.0, -0.0, -1e-9, 3e12, 123456.78905, np.inf, -np.inf]])
    for digits, scale in ((4, 1.0), (9, 1.0), (9, 40.0), (0, 1e6)):
        expected = np.array([round(value, digits) for value in (values * scale).tolist()])
        assert np.array_equal(python_round(values * scale, digits).view(np.int64), expected.view(np.int64))
    assert np.isnan(python_round(np.array([np.nan]), 4)).all()
