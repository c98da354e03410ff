"""Charts with Chinese labels: one place that picks the CJK font and the area colours.

matplotlib's bundled fonts have no Chinese glyphs, and a fresh machine may have no CJK font at
all, so labels would come out as empty boxes. The font therefore comes from a PyPI package the
project depends on: `mplfonts` ships Noto Sans CJK SC (SIL Open Font License) as a plain file.
`use_cjk_font()` registers that one file with matplotlib and makes it the default family; we do
not call mplfonts' own setup, which copies fonts into matplotlib's folders and rewrites the
user's matplotlibrc.

Colours are for areas in the taxonomy's order (light enough to lie under text in `show` pages).
matplotlib is imported inside the functions, so `show` and the pipeline never pay for it.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

FONT_PACKAGE = "mplfonts"
FONT_FILE = "fonts/NotoSansCJKsc-Regular.otf"
#: One pastel colour per area, in taxonomy order; the last is for `general`.
AREA_PALETTE = ("#f4a6a6", "#a6c8f4", "#b8e0a8", "#f7d08a", "#d3b5ef", "#9fe0dc", "#f2b6d8",
                "#d9d98c", "#dcdcdc")


def cjk_font_path() -> Path:
    """The CJK font file shipped by the font package."""
    return Path(str(resources.files(FONT_PACKAGE).joinpath(FONT_FILE)))


@lru_cache(maxsize=1)
def use_cjk_font() -> str:
    """Make the shipped CJK font matplotlib's default; returns its family name."""
    import matplotlib
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [family, *matplotlib.rcParams["font.sans-serif"]]
    # The CJK font lacks U+2212 (the typographic minus); draw negative ticks with a hyphen.
    matplotlib.rcParams["axes.unicode_minus"] = False
    return family


def area_colours() -> dict[str, str]:
    """Area id -> colour, for every area of the taxonomy and `general`."""
    from .stages.summarize import area_catalogue

    areas = area_catalogue()
    return {area.id: AREA_PALETTE[index % len(AREA_PALETTE)] for index, area in enumerate(areas)}


def area_names() -> dict[str, str]:
    """Area id -> Chinese name from the taxonomy."""
    from .stages.summarize import area_catalogue

    return {area.id: area.name for area in area_catalogue()}


def area_bar_chart(sentences: "pd.DataFrame", *, title: str = "", ax: "Axes | None" = None) -> "Axes":
    """Characters per area of one report (a `sentences` table), bars labelled in Chinese."""
    import matplotlib.pyplot as plt

    use_cjk_font()
    names, colours = area_names(), area_colours()
    chars = sentences.groupby("area", observed=False)["chars"].sum()
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    labels = [names[area] for area in chars.index]
    ax.barh(labels, chars.to_numpy(), color=[colours[area] for area in chars.index])
    ax.invert_yaxis()
    ax.set_xlabel("字数")
    ax.set_title(title or "各领域篇幅")
    _tight(ax)
    return ax


def _tight(ax: "Axes") -> None:
    figure = ax.get_figure(root=True)
    if figure is not None:
        figure.tight_layout()


def area_heatmap(profiles: "pd.DataFrame", *, title: str = "", ax: "Axes | None" = None) -> "Axes":
    """A heat map of area profiles: one row per report, one column per area, values annotated."""
    import matplotlib.pyplot as plt

    use_cjk_font()
    names = area_names()
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 * len(profiles.columns) + 2, 0.6 * len(profiles) + 2))
    image = ax.imshow(profiles.to_numpy(dtype=float), cmap="YlOrRd", aspect="auto")
    ax.set_xticks(range(len(profiles.columns)),
                  [names.get(str(area), str(area)) for area in profiles.columns],
                  rotation=40, ha="right")
    ax.set_yticks(range(len(profiles.index)), [str(label) for label in profiles.index])
    for (row, column), value in _cells(profiles):
        ax.text(column, row, f"{value:.0%}", ha="center", va="center", fontsize=8)
    ax.figure.colorbar(image, ax=ax, label="篇幅占比")
    ax.set_title(title or "各报告领域分布")
    _tight(ax)
    return ax


def _cells(frame: "pd.DataFrame"):
    values = frame.to_numpy(dtype=float)
    for row in range(values.shape[0]):
        for column in range(values.shape[1]):
            yield (row, column), values[row, column]
