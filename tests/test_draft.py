"""Draft: token offsets in two arrays, records only when asked, the same in the matching view."""
from array import array

from pipeline.draft import Draft, bounds_between
from pipeline.records import DocumentMeta, Paragraph, Sentence, Token
from pipeline.textnorm import MatchView, fold

TEXT = "柳岸县统战部召开座谈会3次。"
#: 柳岸县 | 统战部 | 召开 | 座谈会 | 3次 | 。
BOUNDS = ([0, 3, 6, 8, 11, 13], [3, 6, 8, 11, 13, 14])


def _draft(text: str = TEXT) -> Draft:
    meta = DocumentMeta(doc_id="t", source=None, sha256="0" * 64, encoding="utf-8", format="text",
                        chars=len(text))
    draft = Draft(text=text, folded=fold(text), meta=meta)
    draft.set_token_bounds(array("i", BOUNDS[0]), array("i", BOUNDS[1]))
    return draft


def test_bounds_between_are_the_tokens_inside_the_span():
    draft = _draft()
    assert list(bounds_between(*draft.token_offsets(), 3, 11)) == [(3, 6), (6, 8), (8, 11)]
    assert list(bounds_between(*draft.token_offsets(), 4, 11)) == [(6, 8), (8, 11)]
    assert list(bounds_between(*draft.token_offsets(), 11, 11)) == []


def test_straddling_adds_the_token_running_into_the_span():
    draft = _draft()
    assert list(bounds_between(*draft.token_offsets(), 12, 14, straddling=True)) == [(11, 13), (13, 14)]
    assert list(bounds_between(*draft.token_offsets(), 11, 14, straddling=True)) == [(11, 13), (13, 14)]
    assert list(bounds_between(*draft.token_offsets(), 0, 3, straddling=True)) == [(0, 3)]


def test_records_are_built_on_demand_and_match_the_bounds():
    draft = _draft()
    assert draft._tokens is None
    assert [token.text for token in draft.tokens] == ["柳岸县", "统战部", "召开", "座谈会", "3次", "。"]
    assert [token for token in draft.tokens if 6 <= token.start < 11] == [Token("召开", 6, 8), Token("座谈会", 8, 11)]
    for token in draft.tokens:
        assert TEXT[token.start:token.end] == token.text


def test_assigning_records_sets_the_bounds():
    draft = _draft()
    draft.tokens = [Token("柳岸县", 0, 3), Token("统战部", 3, 6)]
    assert list(bounds_between(*draft.token_offsets(), 0, 14)) == [(0, 3), (3, 6)]


def test_the_matching_view_moves_the_bounds():
    text = "柳岸县统战\n部召开座谈会3次。"
    draft = _draft(text)
    draft.set_token_bounds(array("i", [0, 3, 7, 9, 12, 14]), array("i", [3, 7, 9, 12, 14, 15]))
    draft.sentences = [Sentence(0, text, 0, len(text), 0, 0)]
    draft.view = MatchView.build(text, draft.folded, [(0, len(text))])
    inner = draft.in_view()
    assert inner.text == TEXT
    assert list(bounds_between(*inner.token_offsets(), 0, len(TEXT))) == list(zip(*BOUNDS))
    assert [token.text for token in inner.tokens][1] == "统战部"


def _wrapped_draft() -> Draft:
    """Two sentences, the first broken by a line break the view joins."""
    text = "柳岸县统战\n部召开座谈会。青石镇举办培训班。"
    draft = _draft(text)
    draft.set_token_bounds(array("i", [0, 3, 7, 9, 12, 13, 16, 18, 21]),
                           array("i", [3, 7, 9, 12, 13, 16, 18, 21, 22]))
    draft.sentences = [Sentence(0, text[:13], 0, 13, 0, 0), Sentence(1, text[13:], 13, len(text), 0, 0)]
    draft.paragraphs = [Paragraph(0, 0, len(text), 0)]
    draft.view = MatchView.build(text, draft.folded, [(0, 13), (13, len(text))])
    return draft


def test_records_are_moved_into_the_view_when_asked_for_and_stay_the_same_records():
    draft = _wrapped_draft()
    inner = draft.in_view()
    second = inner.sentence_at(inner.text.index("青石镇"))
    assert second is not None and (second.id, second.text) == (1, "青石镇举办培训班。")
    assert inner.text[second.start:second.end] == second.text
    assert inner.sentence_at(len(inner.text)) is None
    assert inner.sentences[1] is second and inner.sentence_at(second.start) is second
    assert [sentence.text for sentence in inner.sentences] == ["柳岸县统战部召开座谈会。", "青石镇举办培训班。"]
    assert inner.paragraphs == [Paragraph(0, 0, len(inner.text), 0)]


def test_view_spans_map_back_to_the_text_empty_ones_included():
    draft = _wrapped_draft()
    view = draft.view
    assert view is not None
    length = len(view.text)  # one shorter than the text: its line break is joined
    spans = [(0, 5), (4, 6), (5, 5), (0, 0), (length, length), (3, length)]
    starts, ends = view.spans([start for start, _ in spans], [end for _, end in spans])
    assert list(zip(starts, ends)) == [(0, 5), (4, 7), (6, 6), (0, 0), (length + 1, length + 1),
                                       (3, length + 1)]
    assert draft.text[starts[1]:ends[1]] == "战\n部"


def test_records_come_back_from_the_view_with_their_surface_and_unmoved_ones_as_they_are():
    draft = _wrapped_draft()
    before_the_break, across_it = Token("柳岸县", 0, 3), Token("统战部", 3, 6)
    back = draft.from_view([before_the_break, across_it])
    assert back[0] is before_the_break
    assert back[1] == Token("统战\n部", 3, 7)
