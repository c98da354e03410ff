"""Tokenize: domain terms are whole tokens, offsets hold, both backends agree."""
from __future__ import annotations

import pytest

import pipeline
from pipeline.stages.tokenize import BACKENDS, Segmenter, domain_terms

TEXT = "区委统战部组织党外代表人士和新乡贤开展调研，促进“两个健康”，服务宗教活动场所。"


@pytest.mark.parametrize("backend", BACKENDS)
def test_domain_terms_are_whole_tokens(backend):
    words = [TEXT[s:e] for s, e in Segmenter(backend).spans(TEXT)]
    for term in ("统战部", "党外代表人士", "新乡贤", "两个健康", "宗教活动场所"):
        assert term in words, (term, words)


def test_backends_agree_on_the_seed(seed_path):
    text = seed_path.read_text("utf-8")
    rust, python = (list(Segmenter(name).spans(text)) for name in BACKENDS)
    assert rust == python


def test_tokens_carry_original_offsets_through_width_folding():
    text = "全区组织ＡＢＣ培训１２次，　参加３００人。"
    report = pipeline.Pipeline(keep_tokens=True)(text)
    assert [t.text for t in report.tokens if t.text.isalnum()][:3] == ["全区", "组织", "ＡＢＣ"]
    for token in report.tokens:
        assert text[token.start:token.end] == token.text
        assert not token.text.isspace()


def test_domain_dictionary_has_comments_and_entries():
    words = [word for word, _ in domain_terms()]
    assert "知联会" in words and not any(word.startswith("#") for word in words)


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="backend"):
        Segmenter("pkuseg")


def test_the_segmenter_loads_one_dictionary_and_rjieba_still_imports_after_it():
    """The compiled module is loaded without the package's default segmenter; a later
    `import rjieba` must still work and share the module."""
    import subprocess
    import sys

    script = ("import sys; from pipeline.stages.tokenize import Segmenter; "
              "engine = Segmenter('rjieba'); assert 'rjieba' not in sys.modules; "
              "import rjieba; assert type(engine._engine) is rjieba.Jieba; "
              "print(rjieba.cut('柳岸县统战部'))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    assert "统战部" in result.stdout


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_word_longer_than_a_byte_counts_keeps_its_offsets(backend):
    """Word lengths are read as bytes while every word is shorter than 256 characters; a longer
    one (a run of digits) is read another way, with the same offsets."""
    digits = "7" * 300
    text = f"全区组织培训 {digits}次，参加人员。"
    spans = Segmenter(backend).spans(text)
    assert "".join(text[s:e] for s, e in spans) == text.replace(" ", "")
    assert (text.index(digits), text.index(digits) + 300) in spans


def test_white_space_table_answers_as_str_isspace():
    """Tokens that are all white space are told by `textnorm.WHITE_SPACE`, read at clipped code
    points: it must answer for every code point as `str.isspace` does."""
    from pipeline.textnorm import WHITE_SPACE

    clipped = min(len(WHITE_SPACE) - 1, 0x10FFFF)
    assert [code for code in range(0x110000) if chr(code).isspace() != bool(WHITE_SPACE[min(code, clipped)])] == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_white_space_words_are_not_tokens(backend):
    text = "统战 \u3000工作\n\n 2023年\u2028会议 "
    spans = Segmenter(backend).spans(text)
    assert all(not text[s:e].isspace() for s, e in spans)
    assert "".join(text[s:e] for s, e in spans) == "".join(text.split())
