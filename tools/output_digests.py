"""Digests of the pipeline's JSON output on every report we can read, for refactors that must not
change a byte of it (tests/test_output_digests.py compares against the stored ones).

    python tools/output_digests.py            # print which reports differ from the stored digests
    python tools/output_digests.py --write    # store the current digests (after a deliberate change)

Reports: the seed and the real reports in `../shared`, every `.txt` under `corpora/`, and the 72
government work reports of `../shared/corpora/government_work_reports.jsonl`. Three fields are
left out of the digest because they name the run rather than its analysis: `pipeline_version`;
`provenance`, the hashes of the model and data files, which a refactor changes by adding or
reshaping a data file (a changed lexicon shows in the outputs it changes); and `document.source`,
the path as given, which depends on where the run starts.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
STORED = ROOT / "tests" / "data" / "output_digests.json"
GOVERNMENT = SHARED / "corpora" / "government_work_reports.jsonl"


def report_files() -> Iterator[tuple[str, Path]]:
    """`(key, path)` of every report file; keys are stable wherever the checkout lies."""
    for path in sorted((ROOT / "corpora").rglob("*.txt")):
        yield f"corpora/{path.relative_to(ROOT / 'corpora').as_posix()}", path
    for folder in ("seeds", "real"):
        for path in sorted((SHARED / folder).glob("*.txt")):
            yield f"shared/{folder}/{path.name}", path


def government_records() -> Iterator[tuple[str, str]]:
    """`(key, text)` of each government work report, keyed by its line number."""
    if not GOVERNMENT.exists():
        return
    with GOVERNMENT.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield f"government/{number}", json.loads(line)["content"]


def digest(report_json: str) -> str:
    """sha256 of a report's JSON without the fields that name the run rather than the analysis."""
    data = json.loads(report_json)
    data.pop("pipeline_version", None)
    data.pop("provenance", None)
    data["document"].pop("source", None)
    # Key order is kept: a refactor that reorders fields changes the bytes users receive.
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def current_digests() -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    import pipeline

    digests = {key: digest(pipeline.process_file(path).to_json()) for key, path in report_files()}
    for key, text in government_records():
        digests[key] = digest(pipeline.process_text(text, source=key).to_json())
    return digests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="store the current digests")
    options = parser.parse_args()
    digests = current_digests()
    if options.write:
        STORED.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{len(digests)} digests stored in {STORED.relative_to(ROOT)}")
        return 0
    stored = json.loads(STORED.read_text(encoding="utf-8"))
    changed = sorted(key for key in digests.keys() & stored.keys() if digests[key] != stored[key])
    for key in changed:
        print(f"changed: {key}")
    print(f"{len(changed)} of {len(digests.keys() & stored.keys())} reports changed")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
