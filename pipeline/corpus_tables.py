"""The pandas route: many reports in, six DataFrames out, from a run's folder or from files.

    >>> import pipeline
    >>> corpus = pipeline.read_corpus("out/")                  # what `report-miner run -o out/` wrote
    >>> corpus.quantities.query("unit == '元'").groupby("area", observed=True)["value"].sum()
    >>> corpus = pipeline.process_files(["reports/"], workers=2)   # or process here, with a progress bar

Both give a `Corpus`: the tables of `pipeline.frames` (their columns are documented in
`docs/tables.md`) as attributes, and `failures`, one row per input that could not be read.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path

import orjson
import pandas as pd

from .batch import MANIFEST
from .inputs import discover
from .dedupe import reposted_outputs
from .frames import TABLES, to_frames

#: Columns of `Corpus.failures`, the inputs that gave an error instead of a report.
FAILURE_COLUMNS = ("path", "error_code", "error_class", "message")


@dataclass(frozen=True)
class Corpus:
    """The corpus tables; each joins the others on `doc_id` (and `sentence`, `section`)."""

    documents: pd.DataFrame
    sections: pd.DataFrame
    sentences: pd.DataFrame
    quantities: pd.DataFrame
    entities: pd.DataFrame
    activities: pd.DataFrame
    areas: pd.DataFrame
    failures: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name, `failures` included."""
        return {field.name: getattr(self, field.name) for field in fields(self)}

    def __len__(self) -> int:
        """The number of reports (failed inputs are not reports)."""
        return len(self.documents)

    def __repr__(self) -> str:
        counts = ", ".join(f"{name}={len(frame)}" for name, frame in self.tables().items())
        return f"Corpus({counts})"


def _failures(rows: Iterable[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(rows), columns=list(FAILURE_COLUMNS))
    return frame.astype("string")


def _manifest_failures(folder: Path) -> pd.DataFrame:
    manifest = folder / MANIFEST
    rows = []
    if manifest.exists():
        for line in manifest.read_text("utf-8").splitlines():
            row = orjson.loads(line) if line.strip() else {}
            if row and not row.get("ok"):
                rows.append({column: row.get(column) for column in FAILURE_COLUMNS})
    return _failures(rows)


def read_corpus(folder: str | Path, *, dedupe: bool = False) -> Corpus:
    """The tables of a `report-miner run … -o FOLDER` output folder.

    Reads `FOLDER/tables/*.parquet` when `run --tables parquet` wrote all of them (they hold every
    output current at the end of that run); otherwise builds the tables from the JSON outputs in
    the folder. `failures` comes from the folder's manifest, `corpus.jsonl`. With `dedupe`, the
    reports the manifest marks as reposts (`duplicate_of`) are left out of every table.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such output folder (give the -o folder of a run)")
    parquet = [folder / "tables" / f"{table}.parquet" for table in TABLES]
    if all(path.exists() for path in parquet):
        tables = {table: pd.read_parquet(path) for table, path in zip(TABLES, parquet)}
    else:
        tables = to_frames([folder])
    if dedupe:
        reposts = {name.removesuffix(".json") for name in reposted_outputs(folder)}
        tables = {table: frame[~frame["doc_id"].isin(reposts)].reset_index(drop=True)
                  for table, frame in tables.items()}
    return Corpus(**tables, failures=_manifest_failures(folder))


def process_files(paths: Iterable[str | Path], *, workers: int = 1,
                  progress: bool = True) -> Corpus:
    """Process report files and folders (searched as `report-miner run` searches them) with
    `workers` processes, showing a progress bar (in Jupyter too) unless `progress` is false.

    A bad input never stops the batch: it becomes a row of `failures` with its error code.
    Nothing is written to disk; use `report-miner run -o` to keep the JSON.
    """
    from tqdm.auto import tqdm

    from .engines import make_engine

    items = discover([str(path) for path in paths])
    failed: list[dict] = []

    def reports() -> Iterator[dict]:
        with make_engine("local", workers=workers, indent=False) as engine:
            for outcome in tqdm(engine.map(items), total=len(items), unit="report",
                                disable=not progress):
                if outcome.ok:
                    yield orjson.loads(outcome.json)
                else:
                    failed.append({column: getattr(outcome, column)
                                   for column in FAILURE_COLUMNS})

    tables = to_frames(reports())
    return Corpus(**tables, failures=_failures(failed))
