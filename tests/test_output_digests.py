"""The JSON output on every report we can read matches the stored digests, so a refactor for speed
cannot change a byte of what users receive. After a deliberate change of output, store the new
digests with `python tools/output_digests.py --write` and say why in the commit."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("output_digests", ROOT / "tools" / "output_digests.py")
output_digests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(output_digests)


def test_every_report_gives_the_stored_output():
    stored = json.loads(output_digests.STORED.read_text(encoding="utf-8"))
    current = output_digests.current_digests()
    unknown = sorted(current.keys() - stored.keys())
    assert not unknown, f"reports without a stored digest (run tools/output_digests.py --write): {unknown}"
    changed = sorted(key for key in current if current[key] != stored[key])
    assert not changed, f"output changed on {len(changed)} reports: {changed[:10]}"
    if not output_digests.GOVERNMENT.exists():
        pytest.skip("../shared is absent: only the project's own reports were compared")


def test_the_digest_ignores_only_what_names_the_run():
    report = {"schema_version": "2.0", "pipeline_version": "0.1.0",
              "document": {"doc_id": "a", "source": "x/a.txt"}, "sentences": [{"area": "general"}],
              "provenance": {"data": {"sha256": "1" * 64}}}
    moved = dict(report, pipeline_version="9.9", document={"doc_id": "a", "source": "/elsewhere/a.txt"},
                 provenance={"data": {"sha256": "2" * 64}})
    relabelled = dict(report, sentences=[{"area": "party_leadership"}])
    version_first = {"pipeline_version": "0.1.0", **report}
    digest = output_digests.digest
    assert digest(json.dumps(report)) == digest(json.dumps(moved))
    assert digest(json.dumps(report)) != digest(json.dumps(relabelled))
    assert digest(json.dumps(report)) != digest(json.dumps(dict(reversed(list(report.items())))))
    assert digest(json.dumps(version_first)) == digest(json.dumps(report))
