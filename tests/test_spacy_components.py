"""The components work from plain spaCy, under frozen versioned names, on any tokenization."""
from __future__ import annotations

import spacy
from spacy.tokens import Doc

import pipeline.spacy_components as components


def test_factory_names_are_frozen():
    assert components.ENTITY_FACTORY == "report_miner_entities_v1"
    assert components.ACTIVITY_FACTORY == "report_miner_activities_v1"


def test_components_run_in_a_blank_chinese_pipeline():
    nlp = spacy.blank("zh")
    nlp.add_pipe("report_miner_entities_v1")
    nlp.add_pipe("report_miner_activities_v1")
    doc = nlp("由民进柳岸县总支撰写的《关于发展银发经济的建议》获采纳，县侨联开展“侨韵传家”活动3场。")
    entities = {(span.text, span.label_) for span in doc.spans[components.ENTITY_SPANS]}
    assert ("民进柳岸县总支", "ORG") in entities
    assert ("《关于发展银发经济的建议》", "DOC") in entities
    assert {(ent.text, ent.label_) for ent in doc.ents} <= entities
    assert doc._.report_miner_region == "柳岸县"
    [activity] = doc.spans[components.ACTIVITY_SPANS]
    assert activity._.activity_name == "侨韵传家" and activity.label_ == "activity"
    assert activity._.organiser == "县侨联"


def test_names_inside_coarse_tokens_are_split_out():
    nlp = spacy.blank("zh")
    nlp.add_pipe("report_miner_entities_v1")
    words = ["由民进柳岸", "县总支撰写", "。"]
    doc = nlp(Doc(nlp.vocab, words=words, spaces=[False] * len(words)))
    assert doc.text == "".join(words)
    assert [(ent.text, ent.label_) for ent in doc.ents] == [("民进柳岸县总支", "ORG")]


def test_doc_from_tokens_keeps_offsets_and_covers_gaps():
    from pipeline.records import Token

    text = "柳岸县  统战部。"
    tokens = [Token("柳岸县", 0, 3), Token("统战部", 5, 8), Token("。", 8, 9)]
    doc = components.doc_from_tokens(spacy.blank("zh").vocab, text, tokens)
    assert doc.text == text
    assert [(t.idx, t.text) for t in doc] == [(0, "柳岸县"), (3, "  "), (5, "统战部"), (8, "。")]


def test_new_categories_work_on_spacys_per_character_tokens():
    nlp = spacy.blank("zh")
    nlp.add_pipe("report_miner_entities_v1")
    doc = nlp("自治区政协委员赴泰国考察，县人民法院参加县政协十届三次会议。")
    entities = {(span.text, span.label_) for span in doc.spans[components.ENTITY_SPANS]}
    assert {("自治区政协", "ORG"), ("泰国", "GPE"), ("县人民法院", "ORG"), ("县政协十届三次会议", "EVENT")} <= entities
    assert ("区政协", "ORG") not in entities


def test_a_word_segmented_doc_finds_towns_from_their_shape():
    nlp = spacy.blank("zh")
    nlp.add_pipe("report_miner_entities_v1")
    words = ["县委", "统战部", "到", "桃源", "镇", "调研", "。"]
    doc = nlp(Doc(nlp.vocab, words=words, spaces=[False] * len(words)))
    assert ("桃源镇", "GPE") in {(span.text, span.label_) for span in doc.spans[components.ENTITY_SPANS]}
    assert "到桃源镇" not in {span.text for span in doc.spans[components.ENTITY_SPANS]}


def test_doc_from_tokens_cuts_tokens_where_names_begin_and_end():
    from pipeline.records import Token

    text = "由民进柳岸县总支撰写"
    tokens = [Token("由民进", 0, 3), Token("柳岸县总支", 3, 8), Token("撰写", 8, 10)]
    doc = components.doc_from_tokens(spacy.blank("zh").vocab, text, tokens, cuts=[1, 8])
    assert [t.text for t in doc] == ["由", "民进", "柳岸县总支", "撰写"]
    assert components.doc_text(doc) == doc.text == text


def test_plain_spacy_reads_the_folded_text_and_gives_names_as_written():
    nlp = spacy.blank("zh")
    nlp.add_pipe("report_miner_entities_v1")
    nlp.add_pipe("report_miner_activities_v1")
    doc = nlp("柳岸縣委統戰部開展“同心護企”活動，舉辦“僑界聯誼會”3次。")
    assert [(ent.text, ent.label_) for ent in doc.ents] == [("柳岸縣委統戰部", "ORG")]
    found = {span._.activity_name: span._.organiser for span in doc.spans[components.ACTIVITY_SPANS]}
    assert found == {"同心護企": "柳岸縣委統戰部", "僑界聯誼會": "柳岸縣委統戰部"}
