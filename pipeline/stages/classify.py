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
from itertools import repeat
from pathlib import Path

import numpy as np

from .. import errors
from ..area_model import (AreaModel, InferenceSettings, Spans, char_feature_rows, load_model, text_token_offsets,
                          word_feature_rows)
from ..draft import Draft, PreparedRows
from ..ngrams import sums_by_row, unpack
from ..records import Section, Sentence, dict_display
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
    """What the model says about the sentences of a batch of documents (of one, for training),
    before the inference settings combine it. Rows: the documents' sentences, one document after
    another."""

    own: np.ndarray              # each sentence's own scores
    neighbours: np.ndarray       # the mean own scores of each sentence and its paragraph neighbours
    headings: np.ndarray         # per sentence: its headings' evidence; a row of NaN where it has none
    in_lead: np.ndarray          # per sentence: before the first heading of a headed document
    documents: np.ndarray        # per sentence: its document's number in the batch
    sentence_counts: np.ndarray  # per document: how many sentences it has
    heading_evidence: np.ndarray  # per heading of the batch: what its section passes to its sentences


class _Batch:
    """Where the headings, sentences and sections of a batch of drafts lie among the rows that
    the area model scores and inference combines: every draft's headings, then every draft's
    sentences, at their offsets in the drafts' folded texts laid end to end. The drafts' records
    are read here, once; inference then runs a fixed number of array operations for the whole
    batch, where a report on its own took some sixty numpy calls (on a batch of one-sentence
    reports, most of the stage's time)."""

    def __init__(self, drafts: Sequence[Draft]) -> None:
        texts, offsets, token_starts, token_ends = [], [], [], []
        heading_starts: list[int] = []
        heading_ends: list[int] = []
        heading_depths: list[int] = []
        #: Per heading: the row of its section's headed parent, -1 for none.
        self.heading_parents: list[int] = []
        sentence_starts: list[int] = []
        sentence_ends: list[int] = []
        sentence_headings: list[int] = []  # per sentence: its section's heading, -1 for none
        # Per sentence: its paragraph's number, counted on from the last draft's, so that no two
        # drafts share one.
        paragraphs: list[int] = []
        documents: list[int] = []
        lead: list[bool] = []
        section_firsts: list[int] = []
        section_lasts: list[int] = []
        section_headings: list[int] = []
        #: Per draft: its sentences, and its sentences and sections.
        self.sentence_counts: list[int] = []
        self.row_counts: list[int] = []
        #: Per draft: where its sentences begin and end among the batch's, and where its sections do.
        self.blocks: list[tuple[int, int, int, int]] = []
        offset = first_paragraph = 0
        for number, draft in enumerate(drafts):
            heading_rows: dict[int, int] = {}  # by section id
            for section in draft.sections:  # parents come before their children
                if section.heading is not None:
                    parent = heading_rows.get(section.parent, -1) if section.parent is not None else -1
                    heading_rows[section.id] = len(self.heading_parents)
                    self.heading_parents.append(parent)
                    heading_depths.append(heading_depths[parent] + 1 if parent >= 0 else 0)
                    heading_starts.append(section.heading.start + offset)
                    heading_ends.append(section.heading.end + offset)
            sentences = draft.sentences
            starts = [sentence.start for sentence in sentences]
            first_sentence, first_section = len(sentence_starts), len(section_firsts)
            # Sentences come in text order, so a section's sentences are one run of rows.
            for section in draft.sections:
                section_firsts.append(first_sentence + bisect_left(starts, section.start))
                section_lasts.append(first_sentence + bisect_left(starts, section.end))
                section_headings.append(heading_rows.get(section.id, -1))
            sentence_starts.extend([start + offset for start in starts])
            sentence_ends.extend([sentence.end + offset for sentence in sentences])
            own_headings = [heading_rows.get(sentence.section, -1) for sentence in sentences]
            sentence_headings.extend(own_headings)
            # In a document with headings, a sentence in no headed section is in the lead.
            lead.extend([row < 0 for row in own_headings] if heading_rows else repeat(False, len(sentences)))
            own_paragraphs = [sentence.paragraph + first_paragraph for sentence in sentences]
            paragraphs.extend(own_paragraphs)
            first_paragraph = max(own_paragraphs, default=first_paragraph - 1) + 1
            documents.extend(repeat(number, len(sentences)))
            starts_buffer, ends_buffer = draft.token_offsets()
            token_starts.append(np.frombuffer(starts_buffer, dtype=np.intc))
            token_ends.append(np.frombuffer(ends_buffer, dtype=np.intc))
            texts.append(draft.folded)
            offsets.append(offset)
            self.blocks.append((first_sentence, len(sentence_starts), first_section, len(section_firsts)))
            self.sentence_counts.append(len(sentences))
            self.row_counts.append(len(sentences) + len(draft.sections))
            offset += len(draft.folded)
        self.text = "".join(texts)
        self.spans: Spans = (np.array(heading_starts + sentence_starts, dtype=np.int64),
                             np.array(heading_ends + sentence_ends, dtype=np.int64))
        token_offsets = np.array(offsets, dtype=np.int64).repeat([len(starts) for starts in token_starts])
        self.tokens: Spans = (np.concatenate(token_starts, dtype=np.int64), np.concatenate(token_ends, dtype=np.int64))
        for bounds in self.tokens:
            bounds += token_offsets
        #: The headings of each depth below a headed parent, from the shallowest.
        self.inner_headings = [np.array([row for row, depth in enumerate(heading_depths) if depth == level])
                               for level in range(1, max(heading_depths, default=0) + 1)]
        # One array made of three lists: each numpy call costs some 8,000 instructions.
        self.sentence_headings, self.paragraphs, self.documents = np.array(
            [sentence_headings, paragraphs, documents], dtype=np.int64)
        self.in_lead = np.array(lead, dtype=bool)
        #: Per section: its sentences' rows among the batch's final scores followed by its own
        #: scores (a headed section's mean is of their own scores), and the sections' rows.
        self.section_counts = np.array([last - first for first, last in zip(section_firsts, section_lasts)])
        self.section_headings = np.array(section_headings, dtype=np.int64)
        runs: list[int] = []
        for first, last, heading in zip(section_firsts, section_lasts, section_headings):
            shift = len(sentence_starts) if heading >= 0 else 0
            runs.extend(range(first + shift, last + shift))
        self.section_runs = np.array(runs, dtype=np.int64)
        self.run_sections = np.arange(len(section_firsts)).repeat(self.section_counts)


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
        self._no_heading = np.full((1, len(model.labels)), np.nan)
        #: Each draft's sentences' areas and rounded scores, then its sections', that `prepare`
        #: found for the drafts of a batch, by draft (its `id`), each taken once.
        self._prepared: PreparedRows[list[tuple[str, dict[str, float]]]] = PreparedRows()
        # A row's rounded scores by label, as one dict display (a bundled batch's 179 rows: 1.17 ->
        # 0.71 M instructions against `dict(zip(labels, row))`).
        parameters = [f"value_{number}" for number in range(len(model.labels))]
        self._by_label = dict_display(parameters, dict(zip(model.labels, parameters)))

    def labels(self, scores: np.ndarray, settings: InferenceSettings | None = None) -> list[str]:
        """Each row's best-scored label, or the fallback where even the best is below the threshold."""
        best = scores.argmax(axis=1)
        clear = scores[np.arange(len(scores)), best] >= (settings or self.settings).threshold
        return [self.model.labels[index] if sure else self.model.fallback
                for index, sure in zip(best.tolist(), clear.tolist())]

    def _as_mappings(self, scores: np.ndarray) -> list[dict[str, float]]:
        """Each row of scores by label, rounded as Python rounds (numpy's rounding differs in the last digit)."""
        return list(map(self._by_label, *python_round(scores, 4).T.tolist()))

    def _heading_evidence(self, own: np.ndarray, batch: _Batch) -> np.ndarray:
        """Scores each heading's section passes to its sentences (rows: the batch's headings):
        its heading's own (`own`), then its ancestors'. Headings are mixed with their parents'
        evidence level by level (all the inner headings of one depth at once), each as a heading
        on its own would be."""
        if not batch.inner_headings:
            return own
        evidence = own.copy()
        parents = np.array(batch.heading_parents, dtype=np.int64)
        for inner in batch.inner_headings:
            inner_own, outer = own[inner], evidence[parents[inner]]
            # An inner heading that names no area (`创建工作全面推进`) defers to its parent.
            inner_weight = INNER_HEADING_WEIGHT * self._area_clarity(inner_own)
            outer_weight = (1 - INNER_HEADING_WEIGHT) * self._area_clarity(outer)
            total = inner_weight + outer_weight
            share = np.full(len(inner), INNER_HEADING_WEIGHT)
            np.divide(inner_weight, total, out=share, where=total > 0)
            evidence[inner] = share[:, np.newaxis] * inner_own + (1 - share)[:, np.newaxis] * outer
        return evidence

    def _area_clarity(self, scores: np.ndarray) -> np.ndarray:
        """How clearly each row of `scores` names one work area: the best score of an area other
        than the fallback."""
        return np.maximum.reduce(scores * self._other_areas, axis=1)

    def prepare(self, drafts: Sequence[Draft]) -> None:
        """Classify the sentences and sections of a batch of documents at once (`Pipeline.run_batch`
        calls this before the stage runs on each): the model's cost per call, a few hundred numpy
        operations, and inference's few dozen, are then paid once a batch rather than once a
        report (a batch of sixteen one-sentence reports: 788 thousand instructions a report
        when only the scoring was batched, 261 thousand so; on the twelve short real reports, the
        stage's time 5.6 -> 4.4 ms). Rows are scored
        each on its own, and every operation of inference works row by row (sums in each row's
        order), so a report's scores are those it gets alone, to the last bit."""
        self._prepared.clear()
        if len(drafts) < 2:
            return
        batch = _Batch(drafts)
        self._prepared.fill(drafts, self._classified_rows(batch), batch.row_counts)

    def evidence(self, draft: Draft) -> DocumentEvidence:
        """The model's scores for the document's sentences and headings, scored together."""
        return self._evidence(_Batch([draft]))

    def _evidence(self, batch: _Batch) -> DocumentEvidence:
        scores = self.model.span_probabilities(batch.text, batch.spans, batch.tokens)
        headings = self._heading_evidence(scores[:len(batch.heading_parents)], batch)
        own = scores[len(batch.heading_parents):]
        # The appended row of NaN is the heading evidence of a sentence in no headed section (-1).
        return DocumentEvidence(own=own, neighbours=self._neighbour_means(own, batch),
                                headings=np.concatenate([headings, self._no_heading])[batch.sentence_headings],
                                in_lead=batch.in_lead, documents=batch.documents,
                                sentence_counts=np.array(batch.sentence_counts), heading_evidence=headings)

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
        blended = own_share * evidence.own + settings.neighbour_weight * evidence.neighbours
        # A weight of 0 (the shipped model's) adds exactly nothing: 0.0 times a mean is 0.0, and
        # x + 0.0 is x for the non-negative x here; the means' dozen numpy calls are then saved.
        if settings.document_weight:
            # Each document's mean as `mean` computes it: its sentences' sums in their order (one
            # `bincount` from 0.0, where `mean` starts from the first row: the same, since no
            # score is -0.0), over their count.
            document = (sums_by_row(evidence.documents, evidence.own.T, len(evidence.sentence_counts))
                        / np.maximum(evidence.sentence_counts, 1)[:, np.newaxis])
            blended += settings.document_weight * document[evidence.documents]
        headed = ~np.isnan(evidence.headings[:, :1])
        return self.sentence_scores(np.where(headed, evidence.own, blended), evidence.headings,
                                    evidence.in_lead, settings)

    def scores(self, drafts: Sequence[Draft]) -> tuple[np.ndarray, np.ndarray]:
        """Final scores (rows) of the drafts' sentences, draft after draft, and of their sections."""
        return self._scores(_Batch(drafts))

    def _scores(self, batch: _Batch) -> tuple[np.ndarray, np.ndarray]:
        evidence = self._evidence(batch)
        final = self.combine(evidence)
        return final, self._section_scores(batch, evidence, final)

    def _classified_rows(self, batch: _Batch) -> list[tuple[str, dict[str, float]]]:
        """The area and rounded scores of each draft's sentences, then its sections, draft after draft."""
        sentences, sections = self._scores(batch)
        scores = np.concatenate([sentences, sections])  # labelled and rounded together
        rows = list(zip(self.labels(scores), self._as_mappings(scores)))
        ordered: list[tuple[str, dict[str, float]]] = []
        for first_sentence, last_sentence, first_section, last_section in batch.blocks:
            ordered += rows[first_sentence:last_sentence]
            ordered += rows[len(sentences) + first_section:len(sentences) + last_section]
        return ordered

    def __call__(self, draft: Draft) -> None:
        rows = self._prepared.take(draft)
        if rows is None:
            rows = self._classified_rows(_Batch([draft]))
        count = len(draft.sentences)
        draft.sentences = [_classified(sentence, area, mapping)
                           for sentence, (area, mapping) in zip(draft.sentences, rows)]
        draft.sections = [_section_classified(section, area, mapping)
                          for section, (area, mapping) in zip(draft.sections, rows[count:])]

    @staticmethod
    def _neighbour_means(own: np.ndarray, batch: _Batch) -> np.ndarray:
        """Each sentence's mean scores with its neighbours in the same paragraph."""
        # 1.0 between two sentences of one paragraph, else 0.0: a neighbour times it adds itself
        # or exactly nothing, with no selection of rows.
        same = (batch.paragraphs[1:] == batch.paragraphs[:-1]).astype(float)
        # Summed in the window's order, previous, itself, next, as a mean over the window sums
        # (an addition of two numbers is exact either way round).
        sums = own.copy()
        sums[1:] += own[:-1] * same[:, np.newaxis]
        sums[:-1] += own[1:] * same[:, np.newaxis]
        counts = np.ones(len(own))
        counts[1:] += same
        counts[:-1] += same
        return sums / counts[:, np.newaxis]

    def _section_scores(self, batch: _Batch, evidence: DocumentEvidence, final: np.ndarray) -> np.ndarray:
        """Each section's scores (rows): its heading's evidence mixed with the mean of its
        sentences' own scores, or the heading's alone where it has no sentence; without a
        heading, the mean of its sentences' final scores, or the fallback. A section's sums are
        its run of rows summed in their order, as `mean` sums them (from 0.0: the same, since no
        score is -0.0), all sections in one `bincount`; runs overlap (a section's run holds its
        subsections'), and are laid end to end."""
        headed = batch.section_headings >= 0
        run_scores = np.concatenate([final, evidence.own])[batch.section_runs]
        counts_column = batch.section_counts[:, np.newaxis]
        means = sums_by_row(batch.run_sections, run_scores.T, len(headed)) / np.maximum(counts_column, 1)
        # The appended row, the fallback's, is a section without a heading's (-1).
        heading_scores = np.concatenate([evidence.heading_evidence, self._fallback[np.newaxis]])[batch.section_headings]
        mixed = SECTION_HEADING_WEIGHT * heading_scores + (1 - SECTION_HEADING_WEIGHT) * means
        return np.where(counts_column > 0, np.where(headed[:, np.newaxis], mixed, means), heading_scores)


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


def make_stage(*, model_dir: str | Path | None = None) -> AreaAssigner:
    return AreaAssigner(load_model(str(model_dir) if model_dir is not None else None))
