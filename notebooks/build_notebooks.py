"""Writes the notebooks from the cells below (run by `make notebooks-store`, which then
executes them so they are stored with their outputs). Keeping the cells here, as plain Python,
lets reviewers read a diff of a notebook as a diff of code."""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = '''import os
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import MaxNLocator

import pipeline
from pipeline.plotting import area_colours, area_names, use_cjk_font

# The output folder of `report-miner run REPORTS -o OUTPUT --tables parquet`; `make notebooks`
# makes one from the bundled sample reports. Point OUTPUT at your own run's folder.
OUTPUT = Path(os.environ.get("REPORT_MINER_OUTPUT", "../build/sample_run"))
use_cjk_font()
# The test suite sets this to keep every chart as a PNG and check its Chinese labels.
CHART_DIR = os.environ.get("REPORT_MINER_CHART_DIR")


def keep(figure, name):
    if CHART_DIR:
        figure.savefig(Path(CHART_DIR) / f"{name}.png", dpi=80)'''

EXPLORE = [
    new_markdown_cell("# One report from a run\n\nRead the tables that `report-miner run … "
                      "--tables parquet` wrote, then look at one report: its sections and work "
                      "areas, its quantities, its named activities and entities, and its "
                      "summary. Change `DOC_ID` to look at another report of the run."),
    new_code_cell(SETUP),
    new_code_cell('corpus = pipeline.read_corpus(OUTPUT)\n'
                  'DOC_ID = os.environ.get("REPORT_MINER_DOC_ID", corpus.documents["doc_id"].iloc[0])\n'
                  'tables = {name: frame[frame["doc_id"] == DOC_ID] if "doc_id" in frame else frame\n'
                  '          for name, frame in corpus.tables().items()}\n'
                  'tables["documents"].T'),
    new_markdown_cell("## Sections and their work areas"),
    new_code_cell('sections = tables["sections"].assign(area_name=lambda t: t["area"].map(area_names()))\n'
                  'sections[["section", "level", "heading", "area", "area_name"]]'),
    new_markdown_cell("How much the report says in each area (characters of its sentences):"),
    new_code_cell('from pipeline.plotting import area_bar_chart\n\n'
                  'title = tables["documents"]["title"].iloc[0]\n'
                  'ax = area_bar_chart(tables["sentences"], title=title if pd.notna(title) else DOC_ID)\n'
                  'keep(ax.figure, "explore_areas")'),
    new_markdown_cell("## Quantities\n\nEach with its normalised value and unit, what it counts "
                      "and the verb. Values of different units never add up: filter on `unit` "
                      "before summing."),
    new_code_cell('tables["quantities"][["area", "text", "value", "unit", "approx", "kind", "verb", "object"]]'),
    new_markdown_cell("## Named activities and entities"),
    new_code_cell('tables["activities"][["area", "name", "kind", "count", "count_unit", "organiser"]]'),
    new_code_cell('entities = tables["entities"]\n'
                  'entities.groupby("label", observed=False).size().rename("mentions").to_frame()'),
    new_code_cell('entities[["label", "text", "canonical", "area"]].drop_duplicates(["label", "text"])'),
    new_markdown_cell("## The summary, area by area\n\nThe summary is in the report's JSON "
                      "(`OUTPUT/DOC_ID.json`, key `summary`)."),
    new_code_cell('import json\n\n'
                  'summary = json.loads((OUTPUT / f"{DOC_ID}.json").read_text("utf-8"))["summary"]\n'
                  'print(summary["region"], summary["year"], summary["issuer"], summary["totals"])\n'
                  'pd.DataFrame([{"area": area, "name": entry["name"], "sentences": entry["sentences"],\n'
                  '               "share": entry["share"],\n'
                  '               "key figures": "；".join(f["label"] for f in entry["key_figures"]),\n'
                  '               "activities": "；".join(a["name"] for a in entry["activities"])}\n'
                  '              for area, entry in summary["areas"].items()])'),
]

COMPARE = [
    new_markdown_cell("# Several reports side by side\n\nRead a run's tables and compare its "
                      "reports: how much each says per work area, their key figures per area, "
                      "and the activities they share."),
    new_code_cell(SETUP),
    new_code_cell('corpus = pipeline.read_corpus(OUTPUT)\n'
                  'corpus.documents[["doc_id", "region", "year", "issuer", "chars", "sentences", '
                  '"quantities", "activities"]]'),
    new_markdown_cell("## Area profiles\n\nShare of each report's sentence characters per work area."),
    new_code_cell('from pipeline.plotting import area_heatmap\n\n'
                  'profiles = (corpus.sentences.pivot_table(index="doc_id", columns="area", values="chars",\n'
                  '                                         aggfunc="sum", observed=False, fill_value=0)\n'
                  '            .pipe(lambda t: t.div(t.sum(axis=1), axis=0)))\n'
                  'ax = area_heatmap(profiles)\n'
                  'keep(ax.figure, "compare_profiles")\n'
                  'profiles.round(3)'),
    new_markdown_cell("## Key figures per area\n\nHow many figures each report gives per area; "
                      "then, kept apart because their units differ, the events held (次, 场, 期) "
                      "and the money (元) they add up to."),
    new_code_cell('quantities = corpus.quantities\n'
                  'quantities.pivot_table(index="area", columns="doc_id", values="text", aggfunc="count",\n'
                  '                       observed=False, fill_value=0)'),
    new_code_cell('events = quantities[quantities["unit"].isin(["次", "场", "期"])]\n'
                  'money = quantities[quantities["unit"] == "元"]\n'
                  'pd.concat({"events held (次/场/期)": events.pivot_table(index="area", columns="doc_id", values="value",\n'
                  '                                                    aggfunc="sum", observed=False, fill_value=0),\n'
                  '           "money (万元)": money.pivot_table(index="area", columns="doc_id", values="value",\n'
                  '                                           aggfunc="sum", observed=False, fill_value=0) / 1e4},\n'
                  '          axis=1).round(1)'),
    new_code_cell('figure, ax = plt.subplots(figsize=(10, 4.5))\n'
                  'counts = quantities.pivot_table(index="area", columns="doc_id", values="text",\n'
                  '                                aggfunc="count", observed=False, fill_value=0)\n'
                  'counts.rename(index=area_names()).plot.bar(ax=ax, rot=30)\n'
                  'ax.set_ylabel("数字个数")\n'
                  'ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no 2.5 on the axis\n'
                  'ax.set_xlabel("")\n'
                  'ax.set_title("各领域的关键数字")\n'
                  '# The legend stands beside the plot, where it hides no bar.\n'
                  'ax.legend(title="报告", loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)\n'
                  'plt.setp(ax.get_xticklabels(), ha="right")\n'
                  'figure.tight_layout()\n'
                  'keep(figure, "compare_figures")'),
    new_markdown_cell("## Activities shared between reports\n\nNamed activities (campaigns, "
                      "mechanisms, brands) that appear in more than one report, and every "
                      "report's activities per area."),
    new_code_cell('activities = corpus.activities\n'
                  'reach = activities.groupby("name")["doc_id"].agg(lambda r: sorted(set(r)))\n'
                  'shared = reach[reach.map(len) > 1]\n'
                  'shared.to_frame("reports") if len(shared) else "no activity name is shared by two reports"'),
    new_code_cell('activities.pivot_table(index="area", columns="doc_id", values="name", aggfunc="nunique",\n'
                  '                       observed=False, fill_value=0)'),
]


PLACES = [
    new_markdown_cell("# Places over years\n\nFollow places across their yearly reports: how each place's work areas grow or shrink, which named activities continue from one year's report to the next, and which figures grew. Everything is read from `report-miner run`'s Parquet tables (`make notebooks` runs it on `corpora/years/` into `build/years_run`) (`documents`, `areas`, `activities`, `quantities`), joined on `doc_id`, `region` and `year`; no text is processed here beyond that one run.\n\nThe reports are the invented yearly reviews in `corpora/years/` (two places, 2022-2024)."),
    new_code_cell(SETUP.replace('"../build/sample_run"', '"../build/years_run"')
                  .replace("REPORT_MINER_OUTPUT", "REPORT_MINER_YEARS_OUTPUT")),
    new_code_cell('corpus = pipeline.read_corpus(OUTPUT, dedupe=True)\n'
                  'tables = corpus.tables()\n'
                  'documents = corpus.documents\n'
                  'documents[["doc_id", "region", "region_code", "region_level", "year", "year_source", "issuer"]]'),
    new_markdown_cell("## Area shares, place by place\n\nEach report's share of sentence characters per work area, and its change from the place's previous report."),
    new_code_cell('areas = tables["areas"]\nshares = (areas.pivot_table(index=["region", "year"], columns="area", values="share",\n                            observed=False, fill_value=0)\n          .rename(columns=area_names()))\nchange = shares.groupby(level="region").diff().dropna(how="all").round(3)\nchange'),
    new_code_cell('places = shares.index.get_level_values("region").unique()\nfigure, axes = plt.subplots(1, len(places), figsize=(5 * len(places), 4), sharey=True, squeeze=False)\ncolours = {area_names()[area]: colour for area, colour in area_colours().items()}\nfor ax, place in zip(axes[0], places):\n    own = shares.xs(place, level="region")\n    own = own.loc[:, own.sum() > 0]\n    own.plot(ax=ax, marker="o", color=[colours.get(column, "grey") for column in own.columns],\n             legend=False)\n    ax.set_title(f"{place}：各领域篇幅占比")\n    ax.set_xlabel("年份")\n    ax.set_xticks(own.index)\naxes[0][0].set_ylabel("占比")\n# One legend for every area drawn in any panel, below the panels where it hides no line.\nlegend = {label: handle for ax in axes[0] for handle, label in zip(*ax.get_legend_handles_labels())}\nhandles, labels = list(legend.values()), list(legend)\nfigure.legend(handles, labels, loc="lower center", ncol=4, fontsize=8)\nfigure.tight_layout(rect=(0, 0.18, 1, 1))\nkeep(figure, "places_shares")'),
    new_markdown_cell('## Activities that continue\n\nNamed activities (campaigns, mechanisms, brands) a place reports in more than one year, matched by name.'),
    new_code_cell('activities = tables["activities"].merge(documents[["doc_id", "region", "year"]], on="doc_id")\nyears = activities.groupby(["region", "name"])["year"].agg(lambda found: sorted(set(found)))\ncontinuing = years[years.map(len) > 1].to_frame("years")\ncontinuing'),
    new_markdown_cell('## Figures that grew\n\nKey figures (role `figure`, with an object) that a place gives in more than one year, for the same object and unit.'),
    new_code_cell('quantities = tables["quantities"].merge(documents[["doc_id", "region", "year"]], on="doc_id")\nfigures = quantities[(quantities["role"] == "figure") & quantities["object"].notna()]\nseries = (figures.groupby(["region", "object", "unit", "year"])["value"].max()\n          .unstack("year"))\nrepeated = series[series.notna().sum(axis=1) > 1]\nfirst = repeated.apply(lambda row: row.dropna().iloc[0], axis=1)\nlast = repeated.apply(lambda row: row.dropna().iloc[-1], axis=1)\nrepeated.assign(growth=(last / first - 1).round(2)).sort_values("growth", ascending=False)'),
]


def write() -> list[Path]:
    paths = []
    for name, cells in (("explore_report", EXPLORE), ("compare_reports", COMPARE),
                        ("places_over_years", PLACES)):
        notebook = new_notebook(cells=cells, metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"}})
        path = HERE / f"{name}.ipynb"
        nbformat.write(notebook, path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for path in write():
        print(path)
