"""Instructions, not seconds: the pipeline and bare `jieba.lcut` counted by valgrind's callgrind
(`make bench-instructions`, or `python bench/instructions.py`).

CPU seconds on a shared machine move with its load by a fifth from one run to the next (see
`bench/run.py`, which alternates rounds to cancel that). An instruction count does not: callgrind
counts what the process executes, whatever else runs, and the same code on the same texts gives
the same count to within about 1%. That makes it the figure to judge a change to one stage by;
it says nothing of cache misses or of the cost of an instruction, so the speed a user sees is
still `bench/run.py`'s ratio. Both are printed as jieba's figure divided by the pipeline's, so
above 1.0 the pipeline is the cheaper.

Each subject is run twice in a fresh interpreter under callgrind, once with one pass over the texts
after loading and warming up, once with `1 + passes`; the difference, divided by `passes`, is one
pass with start-up and loading taken out. The garbage collector is off in these runs, hashing is
seeded and OpenBLAS keeps to one thread (its idle workers spin, and callgrind counts their
spinning: the same code gave 34 to 43 M before), so that the two runs differ by the passes alone.

Needs `valgrind` (Debian's package of that name); without it, says so and stops.
"""
from __future__ import annotations

import argparse
import gc
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import bundled_texts, government_texts, new_draft  # noqa: E402  (the same texts as bench/run.py)

#: What callgrind prints of the instructions it counted.
_COLLECTED = re.compile(r"Collected : (\d+)")


def texts_of(corpus: str) -> list[str]:
    return bundled_texts() if corpus == "bundled" else government_texts()[:12]


def run_passes(subject: str, corpus: str, passes: int) -> None:
    """The child: load, warm up, then `passes` passes of `subject` over the corpus' texts."""
    texts = texts_of(corpus)
    if subject == "jieba":
        import jieba

        jieba.setLogLevel(logging.WARNING)
        work = [lambda text=text: jieba.lcut(text) for text in texts]
    else:
        import pipeline

        pipe = pipeline.default_pipeline().warm_up()
        if subject == "pipeline":
            work = [lambda text=text: pipe(text).to_json(indent=True) for text in texts]
        else:
            work = _one_stage(pipe, subject, texts)
    for task in work:  # the first pass, which fills what is built on first use
        task()
    gc.disable()
    for _ in range(passes):
        for task in work:
            task()


def _one_stage(pipe, stage: str, texts: list[str]) -> list:
    """Tasks running one stage on drafts that every earlier stage has filled (a shallow copy
    each time, as the stages replace a draft's lists rather than change them)."""
    import copy

    names = [spec.name for spec in pipe.specs]
    stages = pipe._stages()
    position = names.index(stage)
    drafts = []
    for text in texts:
        draft = new_draft(text)
        for earlier in stages[:position]:
            earlier(draft)
        drafts.append(draft)
    return [lambda draft=draft: stages[position](copy.copy(draft)) for draft in drafts]


def counted(subject: str, corpus: str, passes: int) -> int:
    """Instructions callgrind counts for a child running `passes` passes after the first."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
               __file__, "--child", subject, corpus, str(passes)]
    finished = subprocess.run(command, capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"})
    found = _COLLECTED.search(finished.stderr)
    if finished.returncode != 0 or found is None:
        raise SystemExit(f"callgrind run failed ({' '.join(command[4:])}):\n{finished.stderr[-2000:]}")
    return int(found.group(1))


def per_pass(subject: str, corpus: str, passes: int) -> float:
    """Millions of instructions of one pass of `subject` over the corpus."""
    return (counted(subject, corpus, 1 + passes) - counted(subject, corpus, 1)) / passes / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=6, help="passes counted (default 6)")
    parser.add_argument("--corpus", choices=("bundled", "government"), default="bundled",
                        help="the bundled reports, or the first 12 government work reports")
    parser.add_argument("--stages", action="store_true", help="also count each stage alone")
    parser.add_argument("--child", nargs=3, metavar=("SUBJECT", "CORPUS", "PASSES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        subject, corpus, passes = args.child
        run_passes(subject, corpus, int(passes))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind); nothing counted", file=sys.stderr)
        return 1
    chars = sum(map(len, texts_of(args.corpus)))
    print(f"== instructions per pass over the {args.corpus} reports ({chars} characters), "
          f"callgrind, {args.passes} passes ==")
    jieba = per_pass("jieba", args.corpus, args.passes)
    whole = per_pass("pipeline", args.corpus, args.passes)
    print(f"bare jieba.lcut     {jieba:9.2f} M")
    print(f"whole pipeline      {whole:9.2f} M   jieba / pipeline: {jieba / whole:.2f}")
    if args.stages:
        import pipeline

        for stage in (spec.name for spec in pipeline.default_pipeline().specs):
            print(f"  {stage:<18}{per_pass(stage, args.corpus, args.passes):9.2f} M")
    return 0


if __name__ == "__main__":
    sys.exit(main())
