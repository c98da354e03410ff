"""Notebooks run top to bottom on the bundled corpus, and charts draw Chinese with the shipped font."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: Charts each notebook saves when REPORT_MINER_CHART_DIR is set.
CHARTS = {"explore_report": ["explore_areas"],
          "compare_reports": ["compare_profiles", "compare_figures"],
          "places_over_years": ["places_shares"]}


def test_the_notebooks_are_there_and_committed_without_outputs():
    import nbformat

    assert {path.stem for path in NOTEBOOKS} == set(CHARTS)
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_executes_and_saves_readable_charts(path, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("REPORT_MINER_CHART_DIR", str(tmp_path))
    notebook = nbformat.read(path, as_version=4)
    # Any failing cell raises CellExecutionError here, which fails the test.
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    streams = "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                      for output in cell.outputs if output.output_type == "stream")
    assert "missing from" not in streams, streams  # matplotlib's missing-glyph warning
    for chart in CHARTS[path.stem]:
        png = tmp_path / f"{chart}.png"
        assert png.stat().st_size > 5_000, chart
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_cjk_font_is_what_matplotlib_uses_for_chinese(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    import pandas as pd
    from pipeline.plotting import area_bar_chart, cjk_font_path, use_cjk_font

    family = use_cjk_font()
    found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert Path(found).resolve() == cjk_font_path().resolve()

    sentences = pd.DataFrame({"area": pd.Categorical(["non_public_economy", "general"]),
                              "chars": [120, 40]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = area_bar_chart(sentences, title="非公有制经济与综述")
        ax.figure.savefig(tmp_path / "chart.png", dpi=60)
    assert not [w for w in caught if "missing from" in str(w.message)], caught

    labels = [label.get_text() for label in ax.get_yticklabels()] + [ax.get_title()]
    assert "非公有制经济" in labels
    charmap = FT2Font(str(cjk_font_path())).get_charmap()
    for label in labels:
        assert all(ord(character) in charmap for character in label if not character.isspace())
    fonts_used = {Path(font_manager.findfont(label.get_fontproperties())).resolve()
                  for label in ax.get_yticklabels()}
    assert fonts_used == {cjk_font_path().resolve()}, family


def test_without_the_font_setup_the_default_font_would_draw_boxes():
    """Guards the test above: DejaVu Sans (matplotlib's default) has no Chinese glyphs."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    default = font_manager.findfont(font_manager.FontProperties(family=["DejaVu Sans"]))
    assert ord("经") not in FT2Font(default).get_charmap()
