"""Speed and memory of report-miner on this machine: `make bench` (or `python bench/run.py`).

Prints, for the bundled sample reports, the 72 government work reports in
`../shared/corpora/government_work_reports.jsonl` and the real reports of `../shared/real`:

* whole-pipeline characters/s against bare `jieba.lcut` on the same texts, in one run: CPU
  seconds of this process, rounds alternating between them so that other load falls on all,
  and the ratio taken round by round, printed as min / median; the pipeline one report at a
  time and in batches run stage by stage (`Pipeline.pipe`);
* characters/s of each registered stage and of the JSON output;
* a cold `report-miner run` of the seed report in a fresh process against the one-liner
  `python -c "import jieba; jieba.lcut('统战')"`, alternating, with an in-process breakdown;
* peak memory (resident set) of a worker that has processed the whole corpus;
* 1 against N workers on the same files (wall clock), each round beside a busy-loop control
  that shows what the machine could give at that moment (N.00 on idle cores);
* how each stage's time grows from 10,000 to 100,000 characters (and to 1,000,000 with
  `--growth-to 1000000`) on prose and on hostile texts: a run of one character, a repeated
  figure, nested quotes. Linear work grows tenfold per step; quadratic work a hundredfold.

Nothing here is a test: figures vary with the machine and its load; quote them with both.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GOVERNMENT = SHARED / "corpora" / "government_work_reports.jsonl"
#: The held-out sample report is kept away from development, benchmarks included.
HELD_OUT_MARK = "heldout"


def bundled_texts() -> list[str]:
    return [path.read_text("utf-8") for path in sorted((ROOT / "corpora" / "reports").glob("*.txt"))
            if HELD_OUT_MARK not in path.name]


def government_texts() -> list[str]:
    if not GOVERNMENT.exists():
        return []
    with GOVERNMENT.open(encoding="utf-8") as handle:
        return [json.loads(line)["content"] for line in handle if line.strip()]


def real_texts() -> list[str]:
    """The real reports of `../shared/real` (web pages, yearbooks, newspapers): short, most of
    them, so that the cost per report weighs more than on the others."""
    return [path.read_text("utf-8") for path in sorted((SHARED / "real").glob("*.txt"))]


def cpu_seconds(work) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def spread(values: list[float]) -> str:
    """`min / median` of a list of figures, the way every figure here is printed."""
    return f"{min(values):.2f} / {statistics.median(values):.2f}"


#: Shortest CPU time of a timed measure in `throughput`: shorter ones are at the mercy of the
#: scheduler's ticks.
MIN_ROUND_SECONDS = 0.25


def throughput(name: str, texts: list[str], rounds: int) -> dict:
    """Pipeline and bare jieba.lcut on the same texts, alternating round by round, so that load
    on the machine falls on both alike; the ratio is taken per round, then its min and median."""
    import logging

    import jieba

    import pipeline

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    pipe = pipeline.default_pipeline().warm_up()
    chars = sum(map(len, texts))

    passes = 1

    def run_pipeline():
        for _ in range(passes):
            for text in texts:
                pipe(text).to_json(indent=True)

    def run_batches():
        for _ in range(passes):
            for report in pipe.pipe(texts):
                report.to_json(indent=True)

    def run_jieba():
        for _ in range(passes):
            for text in texts:
                jieba.lcut(text)

    # One pass of each untimed: the pipeline's first pass over new texts still numbers each
    # character it has not met (the area model's lazily filled tables), a cost per process that
    # the cold-start figure counts; this figure is the steady rate of a long corpus run.
    # A round then times enough passes for jieba to take MIN_ROUND_SECONDS: a single pass over
    # the bundled reports lasts 20 ms, where one preemption moves a round's ratio by several %.
    passes = max(1, math.ceil(MIN_ROUND_SECONDS / cpu_seconds(run_jieba)))
    run_pipeline()
    timed_chars = chars * passes
    pipeline_rates, batch_rates, jieba_rates = [], [], []
    for _ in range(rounds):
        jieba_rates.append(timed_chars / cpu_seconds(run_jieba))
        pipeline_rates.append(timed_chars / cpu_seconds(run_pipeline))
        batch_rates.append(timed_chars / cpu_seconds(run_batches))
    return {"corpus": name, "reports": len(texts), "chars": chars,
            "pipeline_chars_per_s": statistics.median(pipeline_rates),
            "batch_chars_per_s": statistics.median(batch_rates),
            "jieba_chars_per_s": statistics.median(jieba_rates),
            "ratios": [mine / theirs for mine, theirs in zip(pipeline_rates, jieba_rates)],
            "batch_ratios": [mine / theirs for mine, theirs in zip(batch_rates, jieba_rates)]}


def new_draft(text: str):
    """A draft of `text` as the pipeline starts one, for running its stages one by one."""
    from pipeline.draft import Draft
    from pipeline.records import DocumentMeta
    from pipeline.textnorm import fold

    meta = DocumentMeta(doc_id="bench", source=None, sha256="0" * 64, encoding="utf-8",
                        format="text", chars=len(text))
    return Draft(text=text, folded=fold(text), meta=meta)


def stage_throughput(texts: list[str]) -> dict[str, float]:
    """Characters/s of each stage alone (CPU time), and of writing the JSON."""
    import pipeline
    pipe = pipeline.default_pipeline().warm_up()
    seconds = {spec.name: 0.0 for spec in pipe.specs}
    seconds["fold"] = seconds["json"] = 0.0
    chars = sum(map(len, texts))
    for text in texts:
        started = time.process_time()
        draft = new_draft(text)
        seconds["fold"] += time.process_time() - started
        for spec, stage in zip(pipe.specs, pipe._stages()):
            started = time.process_time()
            stage(draft)
            seconds[spec.name] += time.process_time() - started
        report = pipe(text)
        seconds["json"] += cpu_seconds(lambda: report.to_json(indent=True))
    return {name: chars / max(value, 1e-9) for name, value in seconds.items()}


#: Texts that once made a stage super-linear (issue 17), and plain prose, by length.
GROWTH_TEXTS = {
    "prose": None,  # the government reports, repeated to length
    "one character": lambda n: "统" * n,
    "repeated figure": lambda n: "3次" * (n // 2),
    "repeated percent": lambda n: "1.5%" * (n // 4),
    "numerals": lambda n: ("一二三四五六七八九十" * (n // 10 + 1))[:n],
    "nested quotes": lambda n: "“统战”" * (n // 4),
}


def stage_seconds(text: str) -> dict[str, tuple[float, int]]:
    """CPU seconds of each stage on one text (best of three), with the page faults of that run.

    The faults tell the allocator from the algorithm. A numpy array of a few MB is mapped
    fresh from the kernel, page by page, each time it is made (glibc serves large blocks by
    `mmap` and gives them back when freed), where smaller ones reuse the heap; so a stage whose
    arrays cross that size between two lengths grows faster than its work does."""
    import resource

    import pipeline

    pipe = pipeline.default_pipeline().warm_up()
    best: dict[str, tuple[float, int]] = {}
    for _ in range(3):
        draft = new_draft(text)
        for spec, stage in zip(pipe.specs, pipe._stages()):
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            started = time.process_time()
            stage(draft)
            spent = time.process_time() - started
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
            if spec.name not in best or spent < best[spec.name][0]:
                best[spec.name] = (spent, faults)
    return best


def growth(prose: str, top: int) -> None:
    """Per stage and text kind: CPU seconds at each length, the factor from one to the next, and
    the page faults at each length (see `stage_seconds`)."""
    lengths = [length for length in (10_000, 100_000, 1_000_000) if length <= top]
    for kind, make in GROWTH_TEXTS.items():
        texts = [(prose * (length // max(len(prose), 1) + 1))[:length] if make is None
                 else make(length) for length in lengths]
        timings = [stage_seconds(text) for text in texts]
        print(f"{kind}:")
        for stage in timings[0]:
            seconds = [timing[stage][0] for timing in timings]
            factors = " ".join(f"x{later / max(earlier, 1e-4):5.1f}"
                               for earlier, later in zip(seconds, seconds[1:]))
            faults = " ".join(str(timing[stage][1]) for timing in timings)
            print(f"  {stage:<12}" + "".join(f"{value:>9.3f} s" for value in seconds)
                  + f"   growth per tenfold length: {factors}   page faults: {faults}")


def cold_breakdown(path: str) -> None:
    """Run in a fresh process: what a cold `report-miner run FILE` spends its time on."""
    started = time.perf_counter()
    import pipeline.cli  # noqa: F401  (the entry point's own imports)
    from pipeline import default_pipeline
    from pipeline.inputs import read_input

    pipe = default_pipeline()
    phases = {"imports": time.perf_counter() - started}
    for spec in pipe.specs:
        began = time.perf_counter()
        spec.module.make_stage(**pipe.options.get(spec.name, {}))
        phases[f"load {spec.name}"] = time.perf_counter() - began
    began = time.perf_counter()
    pipe.warm_up()
    phases["build pipeline"] = time.perf_counter() - began
    for phase in ("first report", "same again, warm"):
        began = time.perf_counter()
        document = read_input(path)
        pipe(document.text, source=document.source).to_json(indent=True)
        phases[phase] = time.perf_counter() - began
    print(json.dumps(phases))


#: The baseline a cold run is held against: starting Python, importing jieba, cutting two characters.
JIEBA_ONE_LINER = "import jieba; jieba.lcut('统战')"


def wall_seconds(command: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def cold_start(path: Path, rounds: int) -> dict:
    """A cold `report-miner run FILE` and the jieba one-liner, alternating; wall seconds."""
    command = [str(Path(sys.executable).with_name("report-miner")), "run", str(path)]
    one_liner = [sys.executable, "-c", JIEBA_ONE_LINER]
    wall_seconds(command), wall_seconds(one_liner)  # both read from the page cache from now on
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(wall_seconds(command))
        theirs.append(wall_seconds(one_liner))
    runs = [json.loads(helper("--cold-breakdown", str(path))) for _ in range(rounds)]
    return {"wall_s": ours, "jieba_wall_s": theirs,
            "ratios": [mine / base for mine, base in zip(ours, theirs)],
            "breakdown": {phase: min(run[phase] for run in runs) for phase in runs[0]}}


def peak_mb(pid: int | str = "self") -> float:
    """The process's peak resident set (VmHWM). Not `ru_maxrss`, which a process started by a
    large one inherits across exec on Linux."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def worker_memory(folder: Path) -> None:
    """Run in a fresh process: peak resident memory of one worker over the whole corpus, given
    to it in batches as the engines give them."""
    from pipeline.batch import DocumentTask
    from pipeline.engines import InProcessEngine
    from pipeline.inputs import discover

    for _ in InProcessEngine(DocumentTask()).map(discover([str(folder)])):
        pass
    print(peak_mb())


def workers_run(folder: Path, workers: int) -> None:
    """Run in a fresh process: the batch with `workers` processes; wall seconds, peak MB of the
    largest worker and of this (the writing) process."""
    import psutil

    from pipeline.batch import write_corpus
    from pipeline.inputs import discover
    from pipeline.engines import make_engine

    items = discover([str(folder)])
    sizes = {Path(item.path).name: Path(item.path).stat().st_size for item in items}
    worker_peak = 0.0
    first_done: list[float] = []
    bytes_after_first = 0

    settled = 0

    def watch(outcome) -> None:
        nonlocal worker_peak, bytes_after_first, settled
        if first_done:
            bytes_after_first += sizes[Path(outcome.path).name]
        else:
            first_done.append(time.perf_counter())
        settled += 1
        # A peak is a high-water mark, so the workers are read once, while they still live:
        # listing children scans every process in /proc, and doing that per outcome cost the
        # writing process 1.7 s of a 9 s run, taken from the workers' two cores.
        if settled == len(items):
            for child in psutil.Process().children():
                worker_peak = max(worker_peak, peak_mb(child.pid))

    with tempfile.TemporaryDirectory() as output:
        engine = make_engine("local", workers=workers)
        # One worker loads the pipeline in this process on its first batch, N workers each in
        # their own: both on the clock, as a user's run pays them ('once started' leaves both out).
        began = time.perf_counter()
        with engine:
            write_corpus(items, engine, Path(output), resume=False, on_outcome=watch)
        ended = time.perf_counter()
    print(json.dumps({"wall_s": ended - began,
                      "steady_bytes_per_s": bytes_after_first / max(ended - first_done[0], 1e-9),
                      "largest_worker_mb": worker_peak or peak_mb(),
                      "parent_mb": peak_mb()}))


#: One unit of the control's busy loop: pure-Python work that needs nothing but a core.
SPIN_UNIT = 20_000_000


def spin(units: int) -> None:
    total = 0
    for number in range(units * SPIN_UNIT):
        total ^= number


def control_speedup(workers: int) -> float:
    """How much faster `workers` busy loops finish side by side than one after another: what the
    machine can give this run (2.0 on two idle cores; less when something else runs)."""
    alone = wall_seconds([sys.executable, __file__, "--spin", str(workers)])
    began = time.perf_counter()
    processes = [subprocess.Popen([sys.executable, __file__, "--spin", "1"]) for _ in range(workers)]
    for process in processes:
        process.wait()
    return alone / (time.perf_counter() - began)


def helper(*args: str) -> str:
    return subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                          text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per throughput figure")
    parser.add_argument("--worker-copies", type=int, default=8,
                        help="copies of each report in the 1 vs N workers run (default 8: long "
                             "enough that starting the workers weighs as little as in a corpus run)")
    parser.add_argument("--quick", action="store_true", help="first 12 government reports only")
    parser.add_argument("--growth-to", type=int, default=100_000, metavar="CHARS",
                        help="longest text of the growth figures (10000, 100000 or 1000000)")
    parser.add_argument("--growth-only", action="store_true", help="print the growth figures only")
    parser.add_argument("--cold-breakdown", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--worker-memory", metavar="FOLDER", help=argparse.SUPPRESS)
    parser.add_argument("--workers-run", nargs=2, metavar=("FOLDER", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--spin", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.spin:
        return spin(args.spin)
    if args.cold_breakdown:
        return cold_breakdown(args.cold_breakdown)
    if args.worker_memory:
        return worker_memory(Path(args.worker_memory))
    if args.workers_run:
        return workers_run(Path(args.workers_run[0]), int(args.workers_run[1]))

    government = government_texts()[:12 if args.quick else None]
    if args.growth_only:
        print("== growth with length, CPU seconds per stage (10k, 100k, 1M characters) ==")
        return growth("".join(government or bundled_texts()), args.growth_to)
    print(f"report-miner benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f} at the start")
    print(f"\n== throughput, one core: CPU time, {args.rounds} alternating rounds, min / median ==")
    print("pipeline: one report at a time (`pipe(text)`, as `process_text`), and in batches run stage by "
          "stage (`pipe.pipe(texts)`, as `report-miner run` and `process_files` run a corpus)")
    print(f"{'corpus':<12}{'reports':>8}{'chars':>10}{'jieba c/s':>12}{'one at a time':>16}{'in batches':>13}"
          f"   ratio to jieba.lcut: one at a time | in batches")
    corpora = [("bundled", bundled_texts())] + ([("government", government)] if government else []) \
        + ([("real", real)] if (real := real_texts()) else [])
    for name, texts in corpora:
        row = throughput(name, texts, args.rounds)
        print(f"{name:<12}{row['reports']:>8}{row['chars']:>10}{row['jieba_chars_per_s']:>12,.0f}"
              f"{row['pipeline_chars_per_s']:>16,.0f}{row['batch_chars_per_s']:>13,.0f}"
              f"   {spread(row['ratios'])} | {spread(row['batch_ratios'])}")

    texts = government or bundled_texts()
    print("\n== per stage, characters/s (CPU time) ==")
    for name, rate in stage_throughput(texts).items():
        print(f"{name:<12}{rate:>14,.0f}")

    seed = next(iter(sorted((SHARED / "seeds").glob("*.txt"))), None) or \
        sorted((ROOT / "corpora" / "reports").glob("*.txt"))[0]
    cold = cold_start(seed, args.rounds)
    print(f"\n== cold start: report-miner run {seed.name} ({len(seed.read_text('utf-8'))} chars), "
          f"wall seconds, {args.rounds} alternating rounds, min / median ==")
    print(f"report-miner run      {spread(cold['wall_s'])} s")
    print(f"jieba one-liner       {spread(cold['jieba_wall_s'])} s   ({JIEBA_ONE_LINER})")
    print(f"ratio                 {spread(cold['ratios'])}")
    print("in-process breakdown (best of each phase):")
    for phase, seconds in cold["breakdown"].items():
        print(f"  {phase:<20}{seconds:>7.3f} s")
    print("  (a stage's lazy loading falls in 'first report'; the rest of the wall time is "
          "starting the interpreter and exiting)")

    with tempfile.TemporaryDirectory() as folder:
        reports = Path(folder, "reports")
        reports.mkdir()
        for number, text in enumerate(texts):
            Path(reports, f"report_{number:03}.txt").write_text(text, encoding="utf-8")
        print("\n== memory ==")
        print(f"peak resident memory of one worker over {len(texts)} reports: "
              f"{float(helper('--worker-memory', str(reports))):.0f} MB")

        # A corpus run lasts long enough for the workers' start-up to matter little; the copies
        # differ in a closing line, so each is a report of its own and none is skipped.
        corpus = Path(folder, "corpus")
        corpus.mkdir()
        for copy in range(args.worker_copies):
            for number, text in enumerate(texts):
                Path(corpus, f"report_{copy}_{number:03}.txt").write_text(f"{text}\n（第{copy + 1}份）\n",
                                                                         encoding="utf-8")
        print(f"\n== 1 vs {args.workers} workers, {args.worker_copies * len(texts)} files "
              f"({args.worker_copies} copies of each report), wall clock, {args.rounds} rounds, "
              "each beside a busy-loop control ==")
        speedups, steady, controls, largest = [], [], [], 0.0
        for _ in range(args.rounds):
            controls.append(control_speedup(args.workers))
            single = json.loads(helper("--workers-run", str(corpus), "1"))
            several = json.loads(helper("--workers-run", str(corpus), str(args.workers)))
            speedups.append(single["wall_s"] / several["wall_s"])
            steady.append(several["steady_bytes_per_s"] / single["steady_bytes_per_s"])
            largest = max(largest, several["largest_worker_mb"])
        print(f"pipeline speed-up     {spread(speedups)}  (each run with its start-up: loading the pipeline)")
        print(f"once started          {spread(steady)}")
        print(f"busy-loop control     {spread(controls)}  (what the machine gave: "
              f"{args.workers}.00 on idle cores)")
        print(f"peak memory of the largest worker {largest:.0f} MB; load average "
              f"{os.getloadavg()[0]:.1f} at the end")

    print("\n== growth with length, CPU seconds per stage (10k, 100k, 1M characters) ==")
    growth("".join(texts), args.growth_to)


if __name__ == "__main__":
    sys.exit(main())
