"""Classify: give every sentence and section a work area from the taxonomy, with its scores.

The model and its features are `pipeline.area_model`'s; this stage scores a document with it
and settles each sentence's and section's area.

Inference uses the document's structure, as evidence rather than orders:

* a heading is evidence for the sentences below it in proportion to how clearly it names one
  area: a sentence's scores mix its heading's (and the enclosing headings') scores with its own,
  the heading's share being `heading_weight` times the heading's own top score, so a heading over
  several areas (or none) says little and a heading naming one area says much;
* a sentence whose own model is at least `override` sure of an area other than its heading's
  keeps its own area: clear sentence evidence wins;
* in a document with headings, the lead before the first heading leans to the fallback
  (`general`); a sentence no heading speaks for (all of them, in a document without headings)
  is blended with its paragraph neighbours, `neighbour_weight` to their mean, and with the whole
  document, `document_weight` to its mean;
* a sentence whose best combined score is below `threshold` abstains to `general`: no area is
  clearly supported.

`heading_weight`, `override`, `threshold`, `neighbour_weight` and `document_weight` are
`meta.json`'s `inference` settings, chosen by `report-miner train` over whole documents, with an
estimate of their accuracy by cross-validation over documents (see `pipeline/training.py`).
Every sentence carries its combined `area_scores` and `area_confidence`, the combined score of
the area it was given (low for a sentence that abstained to `general`).

A section with a heading takes its area from the heading mixed with its sentences' own scores;
a section without one, from its sentences.
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import errors
from ..area_model import (AreaModel, InferenceSettings, Spans, char_feature_rows, load_model, text_token_offsets,
                          word_feature_rows)
from ..draft import Draft, PreparedRows
from ..ngrams import unpack
from ..records import Section, Sentence
from ..rounding import python_round
from ..textnorm import fold


NAME = "classify"
REQUIRES = ("text", "folded", "sections", "sentences", "tokens")
PROVIDES = ("areas",)

#: Share of an inner heading's evidence (`（一）…` under `一、…`) against its enclosing heading's
#: when both name an area equally clearly; each side's share is scaled by how clearly it does.
INNER_HEADING_WEIGHT = 0.6
#: Pull of the lead (text before the first heading) toward the fallback area: leads introduce
#: the year and the report, they rarely report on one area.
LEAD_WEIGHT = 0.3
#: A section's area: the share of its heading against the mean of its sentences' own scores.
SECTION_HEADING_WEIGHT = 0.5


# --- scikit-learn analyzers: the area model's features as training reads them --------------
#
# They stay here, by this name, because a trained model names them (`training.TRUSTED_TYPES`).

def _whole(text: str) -> Spans:
    """The one span that is all of `text`: an analyzer's text is one row."""
    return np.array([0]), np.array([len(text)])


def word_analyzer(text: str) -> list[str]:
    """scikit-learn analyzer: word features of raw text."""
    folded = fold(text)
    offsets = text_token_offsets(folded)
    return word_feature_rows(folded, _whole(folded), (offsets[:, 0], offsets[:, 1]))[0]


def char_analyzer(text: str) -> list[str]:
    """scikit-learn analyzer: character features of raw text."""
    return unpack(char_feature_rows(text, _whole(text))[0])


# --- structure-aware inference --------------------------------------------------------------

@dataclass(frozen=True)
class DocumentEvidence:
    """What the model says about one document, before the inference settings combine it."""

    own: np.ndarray           # each sentence's own scores (rows: sentences)
    neighbours: np.ndarray    # the mean own scores of each sentence and its paragraph neighbours
    headings: np.ndarray      # per sentence: its headings' evidence; a row of NaN where it has none
    in_lead: np.ndarray       # per sentence: before the first heading of a headed document
    section_headings: dict[int, np.ndarray]


class AreaAssigner:
    """Turns model probabilities for headings and sentences into final areas per document."""

    def __init__(self, model: AreaModel, settings: InferenceSettings | None = None) -> None:
        self.model = model
        chosen = settings or model.settings
        if chosen is None:
            raise errors.ModelError(model.model_dir, detail="meta.json has no inference settings; "
                                    "run `report-miner train`")
        self.settings: InferenceSettings = chosen
        self._fallback = np.array([label == model.fallback for label in model.labels], dtype=float)
        #: The lead's pull toward the fallback, and what gives the fallback no weight: products
        #: of constants, made once rather than per document.
        self._lead_pull = LEAD_WEIGHT * self._fallback
        self._other_areas = 1 - self._fallback
        #: The heading evidence of a sentence no heading speaks for.
        self._no_heading = np.full(len(model.labels), np.nan)
        #: Scores `prepare` made for the drafts of a batch, by draft (its `id`), each taken once.
        self._prepared: PreparedRows[np.ndarray] = PreparedRows()

    def labels(self, scores: np.ndarray, settings: InferenceSettings | None = None) -> list[str]:
        """Each row's best-scored label, or the fallback where even the best is below the threshold."""
        best = scores.argmax(axis=1)
        clear = scores[np.arange(len(scores)), best] >= (settings or self.settings).threshold
        return [self.model.labels[index] if sure else self.model.fallback
                for index, sure in zip(best.tolist(), clear.tolist())]

    def _as_mappings(self, scores: np.ndarray) -> list[dict[str, float]]:
        """Each row of scores by label, rounded as Python rounds (numpy's rounding differs in the last digit)."""
        return [dict(zip(self.model.labels, row)) for row in python_round(scores, 4).tolist()]

    def heading_evidence(self, sections: Sequence[Section], own: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
        """Scores each headed section passes to its sentences: its heading's (`own`, by section
        id), then its ancestors'. Headings are mixed with their parents' evidence level by level
        (all the inner headings of one depth at once), each as a heading on its own would be."""
        depth: dict[int, int] = {}  # of a headed section below headed parents
        headed_parent: dict[int, int] = {}
        by_depth: list[list[int]] = []
        for section in sections:  # parents come before their children
            if section.id in own:
                if section.parent is not None and section.parent in depth:
                    headed_parent[section.id] = section.parent
                    depth[section.id] = depth[section.parent] + 1
                else:
                    depth[section.id] = 0
                if depth[section.id] == len(by_depth):
                    by_depth.append([])
                by_depth[depth[section.id]].append(section.id)
        evidence = {section_id: own[section_id] for section_id in by_depth[0]} if by_depth else {}
        for inner_ids in by_depth[1:]:
            inner_own = np.array([own[section_id] for section_id in inner_ids])
            outer = np.array([evidence[headed_parent[section_id]] for section_id in inner_ids])
            # An inner heading that names no area (`创建工作全面推进`) defers to its parent.
            inner_weight = INNER_HEADING_WEIGHT * self._area_clarity(inner_own)
            outer_weight = (1 - INNER_HEADING_WEIGHT) * self._area_clarity(outer)
            total = inner_weight + outer_weight
            share = np.full(len(inner_ids), INNER_HEADING_WEIGHT)
            np.divide(inner_weight, total, out=share, where=total > 0)
            mixed = share[:, np.newaxis] * inner_own + (1 - share)[:, np.newaxis] * outer
            evidence.update(zip(inner_ids, mixed))
        # In the sections' order, as the evidence rows are read.
        return {section_id: evidence[section_id] for section_id in depth}

    def _area_clarity(self, scores: np.ndarray) -> np.ndarray:
        """How clearly each row of `scores` names one work area: the best score of an area other
        than the fallback."""
        return np.maximum.reduce(scores * self._other_areas, axis=1)

    def prepare(self, drafts: Sequence[Draft]) -> None:
        """Score the headings and sentences of a batch of documents in one pass of the model
        (`Pipeline.run_batch` calls this before the stage runs on each): the model's cost per
        call, a few hundred numpy operations, is then paid once a batch rather than once a report
        (on the twelve short real reports, most of the stage's time). Rows are scored each on
        its own, so a report's scores are those it gets alone, to the last bit."""
        self._prepared.clear()
        if len(drafts) < 2:
            return
        texts, span_starts, span_ends, token_starts, token_ends, counts = [], [], [], [], [], []
        offset = 0
        for draft in drafts:
            starts, ends = _scored_spans(draft)
            tokens = _token_offsets(draft)
            texts.append(draft.folded)
            span_starts.append(starts + offset)
            span_ends.append(ends + offset)
            token_starts.append(tokens[0] + offset)
            token_ends.append(tokens[1] + offset)
            counts.append(len(starts))
            offset += len(draft.folded)
        scores = self.model.span_probabilities("".join(texts), (np.concatenate(span_starts), np.concatenate(span_ends)),
                                               (np.concatenate(token_starts), np.concatenate(token_ends)))
        self._prepared.fill(drafts, scores, counts)

    def evidence(self, draft: Draft) -> DocumentEvidence:
        """The model's scores for the document's sentences and headings, scored together."""
        scores = self._prepared.take(draft)
        if scores is None:
            scores = self.model.span_probabilities(draft.folded, _scored_spans(draft), _token_offsets(draft))
        headings = {section.id: section.heading for section in draft.sections if section.heading is not None}
        evidence = self.heading_evidence(draft.sections, dict(zip(headings, scores)))
        own = scores[len(headings):]
        # Each sentence's row of its section's evidence; the last row, of NaN, where it has none.
        rows = {section: row for row, section in enumerate(evidence)}
        by_row = np.array([*evidence.values(), self._no_heading])
        sentence_rows = np.fromiter((rows.get(sentence.section, len(rows)) for sentence in draft.sentences),
                                    dtype=np.int64, count=len(draft.sentences))
        # In a document with headings, a sentence in no headed section is in the lead.
        return DocumentEvidence(own=own, neighbours=self._neighbour_means(own, draft.sentences),
                                headings=by_row[sentence_rows], in_lead=(sentence_rows == len(rows)) & bool(rows),
                                section_headings=evidence)

    def sentence_scores(self, own: np.ndarray, heading: np.ndarray, in_lead: np.ndarray | bool,
                        settings: InferenceSettings) -> np.ndarray:
        """Scores of sentences (rows; or one sentence) from their own scores (blended with their
        neighbours' where no heading speaks), their headings' evidence (NaN where none) and
        whether they are in the lead."""
        # Reshaped by the arrays' methods: numpy's functions of the same names add a Python-level
        # call each, as do the `max` methods against the reductions below.
        width = len(self._fallback)
        rows, headings = own.reshape(-1, width), heading.reshape(-1, width)
        lead = np.asarray(in_lead).reshape(-1, 1)
        # Every row is computed every way and each keeps its own: rows are few, and selecting
        # them for each way cost more than the arithmetic (a row of NaN evidence gives NaN).
        # A heading speaks in proportion to how clearly it names one area...
        weight = settings.heading_weight * np.maximum.reduce(headings, axis=1, keepdims=True)
        mixed = weight * headings + (1 - weight) * rows
        # ...unless the sentence is sure enough of another.
        overrides = ((np.maximum.reduce(rows, axis=1) >= settings.override)
                     & (rows.argmax(axis=1) != headings.argmax(axis=1)))[:, np.newaxis]
        unheaded = np.where(lead, self._lead_pull + (1 - LEAD_WEIGHT) * rows, rows)
        scores = np.where(np.isnan(headings[:, :1]), unheaded, np.where(overrides, rows, mixed))
        return scores.reshape(own.shape)

    def combine(self, evidence: DocumentEvidence, settings: InferenceSettings | None = None) -> np.ndarray:
        """Final scores per sentence (rows) under `settings` (default: the model's)."""
        settings = settings or self.settings
        own_share = 1 - settings.neighbour_weight - settings.document_weight
        # The mean as `mean` computes it, without its Python-level overhead.
        document = np.add.reduce(evidence.own, axis=0) / len(evidence.own) if len(evidence.own) else evidence.own
        blended = (own_share * evidence.own + settings.neighbour_weight * evidence.neighbours
                   + settings.document_weight * document)
        headed = ~np.isnan(evidence.headings[:, :1])
        return self.sentence_scores(np.where(headed, evidence.own, blended), evidence.headings,
                                    evidence.in_lead, settings)

    def __call__(self, draft: Draft) -> None:
        evidence = self.evidence(draft)
        final = self.combine(evidence)
        # Sentences' scores, then sections', labelled and rounded together.
        scores = np.concatenate([final, self._section_scores(draft, evidence, final)])
        areas, mappings = self.labels(scores), self._as_mappings(scores)
        count = len(draft.sentences)
        draft.sentences = [_classified(sentence, area, mapping)
                           for sentence, area, mapping in zip(draft.sentences, areas[:count], mappings[:count])]
        draft.sections = [_section_classified(section, area, mapping)
                          for section, area, mapping in zip(draft.sections, areas[count:], mappings[count:])]

    @staticmethod
    def _neighbour_means(own: np.ndarray, sentences: Sequence) -> np.ndarray:
        """Each sentence's mean scores with its neighbours in the same paragraph."""
        paragraphs = np.fromiter((sentence.paragraph for sentence in sentences), dtype=np.int64, count=len(sentences))
        # 1.0 between two sentences of one paragraph, else 0.0: a neighbour times it adds itself
        # or exactly nothing, with no selection of rows.
        same = (paragraphs[1:] == paragraphs[:-1]).astype(float)
        # Summed in the window's order, previous, itself, next, as a mean over the window sums
        # (an addition of two numbers is exact either way round).
        sums = own.copy()
        sums[1:] += own[:-1] * same[:, np.newaxis]
        sums[:-1] += own[1:] * same[:, np.newaxis]
        counts = np.ones(len(own))
        counts[1:] += same
        counts[:-1] += same
        return sums / counts[:, np.newaxis]

    def _section_scores(self, draft: Draft, evidence: DocumentEvidence, final: np.ndarray) -> np.ndarray:
        """Each section's scores (rows): its heading's evidence mixed with the mean of its
        sentences' own scores, or the heading's alone where it has no sentence; without a
        heading, the mean of its sentences' final scores, or the fallback. Each section's sums
        are one reduction over its run of rows, in their order, as `mean` sums them: sections
        are few (a short report's one), and gathering every section's rows for one `bincount`
        took some thirty numpy calls a document."""
        # Sentences come in text order, so a section's sentences are one run of rows.
        sentence_starts = [sentence.start for sentence in draft.sentences]
        sums, counts, headings = [], [], []
        for section in draft.sections:
            first, last = bisect_left(sentence_starts, section.start), bisect_left(sentence_starts, section.end)
            heading = evidence.section_headings.get(section.id)
            sums.append(np.add.reduce((final if heading is None else evidence.own)[first:last], axis=0))
            counts.append(last - first)
            headings.append(heading)
        width = len(self._fallback)
        counts_column = np.array(counts).reshape(-1, 1)
        means = np.array(sums).reshape(-1, width) / np.maximum(counts_column, 1)
        headed = np.array([heading is not None for heading in headings], dtype=bool).reshape(-1, 1)
        heading_scores = np.array([self._fallback if heading is None else heading for heading in headings]
                                  ).reshape(-1, width)
        mixed = SECTION_HEADING_WEIGHT * heading_scores + (1 - SECTION_HEADING_WEIGHT) * means
        return np.where(counts_column > 0, np.where(headed, mixed, means), heading_scores)


def _classified(sentence: Sentence, area: str, scores: dict[str, float]) -> Sentence:
    """`sentence` with its area, scores and confidence: `dataclasses.replace` took twice the time
    (0.03 s of CPU more for the 29,000 sentences of the 72 government work reports), and keyword
    arguments 1.7 us a sentence against 1.1 for these positional ones, in `Sentence`'s field order."""
    return Sentence(sentence.id, sentence.text, sentence.start, sentence.end, sentence.section, sentence.paragraph,
                    area, scores, scores[area])


def _section_classified(section: Section, area: str, scores: dict[str, float]) -> Section:
    """`section` with its area and scores, built as `_classified` builds a sentence."""
    return Section(section.id, section.heading, section.level, section.parent, section.start, section.end,
                   area, scores)


def _scored_spans(draft: Draft) -> Spans:
    """Starts and ends of what the model scores in a document: its headings, then its sentences."""
    headings = [section.heading for section in draft.sections if section.heading is not None]
    return (np.array([heading.start for heading in headings] + [sentence.start for sentence in draft.sentences],
                     dtype=np.int64),
            np.array([heading.end for heading in headings] + [sentence.end for sentence in draft.sentences],
                     dtype=np.int64))


def _token_offsets(draft: Draft) -> Spans:
    """Starts and ends of the draft's tokens, taken from its offset arrays without a Python
    object per token."""
    starts, ends = draft.token_offsets()
    return (np.frombuffer(starts, dtype=np.intc).astype(np.int64),
            np.frombuffer(ends, dtype=np.intc).astype(np.int64))


def make_stage(*, model_dir: str | Path | None = None) -> AreaAssigner:
    return AreaAssigner(load_model(str(model_dir) if model_dir is not None else None))
