"""What an output was made with besides the code: the area model and the data files, by content.

Every report records them in its top-level `provenance` (schema `$defs/provenance`), so an output
says which model and which lexicons, gazetteers and tables made it, and a rerun into an output
folder redoes the outputs another model or changed data made (`batch.current_output`). Hashes
are of file contents only, never of paths, so the same model gives the same provenance in any
checkout or installation.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import errors

DATA_DIR = Path(__file__).resolve().parent / "data"
#: The files of a model folder the classify stage reads; the skops file and the model card are
#: not read at run time, so they do not change an output.
MODEL_FILES = ("meta.json", "vocabulary.json", "inference.npz")


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, read a block at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _combined(named_digests: dict[str, str]) -> str:
    """One sha256 over `name<TAB>sha256` lines, in the order given."""
    return hashlib.sha256("".join(f"{name}\t{digest}\n" for name, digest in named_digests.items())
                          .encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def data_provenance() -> dict[str, Any]:
    """The sha256 of every data file in `pipeline/data` (by its path there), and of them all."""
    files = {path.relative_to(DATA_DIR).as_posix(): file_sha256(path)
             for path in sorted(DATA_DIR.rglob("*"))
             if path.is_file() and path.suffix not in (".py", ".pyc")}
    return {"sha256": _combined(files), "files": files}


@lru_cache(maxsize=8)
def model_provenance(model_dir: str | None = None) -> dict[str, Any]:
    """The area model in `model_dir` (default: the shipped one): its folder's name, the sha256 of
    the files the pipeline reads, and whether it is the shipped model."""
    from .area_model import DEFAULT_MODEL_DIR

    folder = Path(model_dir) if model_dir is not None else DEFAULT_MODEL_DIR
    try:
        files = {name: file_sha256(folder / name) for name in MODEL_FILES}
    except OSError as exc:
        raise errors.ModelError(folder, detail=f"the area model cannot be read: "
                                               f"{exc.strerror or type(exc).__name__}") from None
    return {"name": folder.resolve().name, "sha256": _combined(files),
            "shipped": os.path.realpath(folder) == os.path.realpath(DEFAULT_MODEL_DIR)}


def provenance(model_dir: str | None = None, *, classifies: bool = True) -> dict[str, Any]:
    """A report's `provenance`: its model (None for a pipeline without the classify stage) and
    the data files."""
    return {"model": model_provenance(model_dir) if classifies else None,
            "data": data_provenance()}
