"""Run from outside the checkout with an installed wheel's Python: the command line (run, validate,
show, schema), the Python API and the pandas route must work with nothing but the installed package."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pipeline

CHECKOUT = Path(__file__).resolve().parents[1]
# Written for this check: an invented county's short review, in the usual format.
REPORT = """桃源县2025年统战工作总结
一、坚持党的全面领导
县委常委会专题研究统战工作6次，召开县委统一战线工作领导小组会议2次。
二、服务非公有制经济发展
举办“政企早餐会”8次，帮助民营企业解决难题43个，商会会员捐款捐物230余万元。
"""


def main() -> None:
    installed = Path(pipeline.__file__).resolve()
    assert installed.parent != CHECKOUT / "pipeline", f"imported from the checkout: {installed}"
    command = Path(sys.executable).with_name("report-miner")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "in").mkdir()
        (folder / "in" / "taoyuan_2025.txt").write_text(REPORT, "utf-8")
        subprocess.run([command, "run", "in", "-o", "out", "--tables", "parquet"], cwd=folder,
                       check=True)
        output = folder / "out" / "taoyuan_2025.json"
        report = json.loads(output.read_text("utf-8"))
        assert report["quantities"] and report["sections"], "an empty report"
        subprocess.run([command, "validate", str(output)], check=True)
        subprocess.run([command, "show", str(output)], check=True)
        assert "<html" in output.with_suffix(".html").read_text("utf-8")
        schema = json.loads(subprocess.run([command, "schema"], check=True, capture_output=True,
                                           text=True).stdout)
        assert schema["properties"]["schema_version"]
        api_report = pipeline.process_text(REPORT, source="taoyuan")
        assert len(api_report.to_frames()["quantities"]) == len(api_report.quantities) > 0
        corpus = pipeline.read_corpus(folder / "out")
        assert len(corpus) == 1 and len(corpus.quantities) == len(report["quantities"])
    print(f"installed wheel works from outside the checkout ({installed.parent})")


if __name__ == "__main__":
    main()
