"""Notebooks run top to bottom on a run's Parquet tables, are stored with their outputs, and
their charts draw Chinese with the shipped font."""
from __future__ import annotations

import warnings

import pytest

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: Charts each notebook saves when REPORT_MINER_CHART_DIR is set.
CHARTS = {"explore_report": ["explore_areas"],
          "compare_reports": ["compare_profiles", "compare_figures"],
          "places_over_years": ["places_shares"]}


def test_notebooks_are_stored_with_their_outputs_and_no_errors():
    """So that they read on a code host without running them (`make notebooks-store`)."""
    import nbformat

    assert {path.stem for path in NOTEBOOKS} == set(CHARTS)
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert all(cell.execution_count for cell in code), path.name
        outputs = [output for cell in code for output in cell.outputs]
        assert sum("image/png" in output.get("data", {}) for output in outputs) >= 1, path.name
        assert not [output for output in outputs if output.output_type == "error"
                    or output.get("name") == "stderr"], path.name


def test_the_stored_notebooks_are_what_their_builder_writes(tmp_path, monkeypatch):
    """notebooks/build_notebooks.py holds the cells; the stored notebooks must not drift from it."""
    import importlib.util

    import nbformat

    spec = importlib.util.spec_from_file_location("build_notebooks",
                                                  ROOT / "notebooks" / "build_notebooks.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    monkeypatch.setattr(builder, "HERE", tmp_path)
    for written in builder.write():
        fresh = nbformat.read(written, as_version=4)
        stored = nbformat.read(ROOT / "notebooks" / written.name, as_version=4)
        assert [cell.source for cell in fresh.cells] == [cell.source for cell in stored.cells]


def run_with_tables(source, out) -> None:
    from pipeline.cli import main

    assert main(["run", str(source), "-o", str(out), "--tables", "parquet"]) == 0


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """What the notebooks read: runs of the bundled sample reports and of the yearly reviews of
    corpora/years, with Parquet tables."""
    out = tmp_path_factory.mktemp("runs")
    run_with_tables(ROOT / "corpora" / "reports", out / "sample")
    run_with_tables(ROOT / "corpora" / "years", out / "years")
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_executes_on_a_run_and_saves_readable_charts(path, sample_run, tmp_path,
                                                              monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("REPORT_MINER_CHART_DIR", str(tmp_path))
    monkeypatch.setenv("REPORT_MINER_OUTPUT", str(sample_run / "sample"))
    monkeypatch.setenv("REPORT_MINER_YEARS_OUTPUT", str(sample_run / "years"))
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


def test_matplotlib_draws_chinese_with_a_cjk_font(tmp_path):
    """The shipped Noto Sans CJK SC, or the same family installed on the machine (Debian's
    fonts-noto-cjk, which `make test` installs for the browser test): either has every glyph."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    import pandas as pd
    from pipeline.plotting import area_bar_chart, use_cjk_font

    family = use_cjk_font()
    found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert font_manager.FontProperties(fname=found).get_name() == family

    sentences = pd.DataFrame({"area": pd.Categorical(["non_public_economy", "general"]),
                              "chars": [120, 40]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = area_bar_chart(sentences, title="非公有制经济与综述")
        ax.figure.savefig(tmp_path / "chart.png", dpi=60)
    assert not [w for w in caught if "missing from" in str(w.message)], caught

    labels = [label.get_text() for label in ax.get_yticklabels()] + [ax.get_title()]
    assert "非公有制经济" in labels
    fonts_used = {font_manager.findfont(label.get_fontproperties())
                  for label in ax.get_yticklabels()}
    assert len(fonts_used) == 1, fonts_used
    charmap = FT2Font(fonts_used.pop()).get_charmap()
    for label in labels:
        assert all(ord(character) in charmap for character in label if not character.isspace())


def test_without_the_font_setup_the_default_font_would_draw_boxes():
    """Guards the test above: DejaVu Sans (matplotlib's default) has no Chinese glyphs."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    default = font_manager.findfont(font_manager.FontProperties(family=["DejaVu Sans"]))
    assert ord("经") not in FT2Font(default).get_charmap()
