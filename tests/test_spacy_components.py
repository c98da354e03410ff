"""The components work from plain spaCy, under frozen versioned names, on any tokenization."""
from __future__ import annotations

import subprocess
import sys

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import registry

import pipeline
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


#: A short report written for these tests, about invented places: bodies, a place named in full
#: and shortened, a town known by its shape only, dates, a document, quoted and counted activities.
INVENTED_REPORT = (
    "柳岸县2024年统一战线工作总结\n"
    "一、基本情况\n"
    "2024年，柳岸县委统战部在县委领导下，会同县工商联、县侨联开展“同心护企”专项行动，"
    "举办“侨界联谊会”3次，推行“早茶议事”机制。\n"
    "民进柳岸县总支撰写的《关于发展银发经济的建议》获采纳，县政协十届三次会议于3月12日召开。\n"
    "统战部干部到桃源镇调研，在石桥村建成新时代同心驿站；柳岸的经验在全市推广。\n"
)


def test_the_components_on_the_stages_tokens_give_the_stages_records():
    report = pipeline.Pipeline(keep_tokens=True)(INVENTED_REPORT)
    nlp = spacy.blank("zh")
    nlp.add_pipe("report_miner_entities_v1")
    nlp.add_pipe("report_miner_activities_v1")
    doc = nlp(components.doc_from_tokens(nlp.vocab, INVENTED_REPORT, report.tokens))
    assert [(s.text, s.start_char, s.end_char, s.label_, s._.canonical, s._.normalized, s._.code, s._.level)
            for s in doc.spans[components.ENTITY_SPANS]] == \
        [(e.text, e.start, e.end, e.label, e.canonical, e.normalized, e.code, e.level) for e in report.entities]
    assert [(s._.activity_name, s.text, s.start_char, s.end_char, s.label_, s._.organiser)
            for s in doc.spans[components.ACTIVITY_SPANS]] == \
        [(a.name, a.text, a.start, a.end, a.kind, a.organiser) for a in report.activities]
    assert doc._.report_miner_region == report.document.region == "柳岸县"
    assert len(report.entities) >= 10 and len(report.activities) >= 3


def test_a_plain_run_never_imports_spacy():
    code = ("import sys, pipeline\n"
            "pipeline.process_text('柳岸县委统战部开展“同心护企”活动3次。')\n"
            "assert not [name for name in sys.modules if name.split('.')[0] in ('spacy', 'thinc')]\n"
            "assert 'pipeline.spacy_components' not in sys.modules\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def _with_ruler(overwrite_ents: bool) -> Doc:
    nlp = spacy.blank("zh")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PLACE", "pattern": [{"ORTH": "柳岸县"}]},
                        {"label": "PROGRAM", "pattern": [{"ORTH": "同心护企"}]}])
    nlp.add_pipe("report_miner_entities_v1", config={"overwrite_ents": overwrite_ents})
    nlp.add_pipe("report_miner_activities_v1")
    words = ["柳岸县", "委", "统战部", "开展", "“", "同心护企", "”", "活动", "，", "县侨联", "参加", "。"]
    return nlp(Doc(nlp.vocab, words=words, spaces=[False] * len(words)))


def test_entities_an_entity_ruler_set_before_ours_are_kept():
    doc = _with_ruler(overwrite_ents=False)
    ents = {(ent.text, ent.label_) for ent in doc.ents}
    # Ours fill only where no entity is yet: 柳岸县委统战部 would overlap the ruler's 柳岸县.
    assert {("柳岸县", "PLACE"), ("同心护企", "PROGRAM"), ("县侨联", "ORG")} == ents
    assert ("柳岸县委统战部", "ORG") in {(s.text, s.label_) for s in doc.spans[components.ENTITY_SPANS]}
    [activity] = doc.spans[components.ACTIVITY_SPANS]
    assert activity._.organiser == "柳岸县委统战部"


def test_overwrite_ents_lets_our_names_replace_overlapping_entities():
    ents = {(ent.text, ent.label_) for ent in _with_ruler(overwrite_ents=True).ents}
    assert {("柳岸县委统战部", "ORG"), ("同心护企", "PROGRAM"), ("县侨联", "ORG")} == ents


def test_factory_metadata_tells_what_the_components_assign():
    for factory in (components.ENTITY_FACTORY, components.ACTIVITY_FACTORY):
        meta = Language.get_factory_meta(factory)
        assert meta.retokenizes and "doc.spans" in meta.assigns
    entity_meta = Language.get_factory_meta(components.ENTITY_FACTORY)
    assert {"doc.ents", "token.ent_type", "token.ent_iob"} <= set(entity_meta.assigns)
    assert entity_meta.default_config["overwrite_ents"] is False


def test_the_components_score_against_gold_as_spacys_own_do():
    nlp = spacy.blank("zh")
    nlp.add_pipe("report_miner_entities_v1")
    nlp.add_pipe("report_miner_activities_v1")
    text = "县侨联开展“侨韵传家”活动。"  # an activity's span holds its quotes
    predicted = nlp.make_doc(text)
    gold = Example.from_dict(predicted, {"entities": [(0, 3, "ORG")],
                                         "spans": {components.ACTIVITY_SPANS: [(5, 11, "activity")]}})
    scores = nlp.evaluate([gold])
    assert scores["ents_f"] == 1.0 and scores["ents_per_type"]["ORG"]["f"] == 1.0
    assert scores[f"spans_{components.ACTIVITY_SPANS}_f"] == 1.0
    assert registry.scorers.get(components.ENTITY_SCORER)
