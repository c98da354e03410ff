"""Command line: `report-miner run|schema …` (also `python -m pipeline`).

Exit codes: 0 every input processed; 1 some inputs failed (each named on stderr with its
reason, and in the corpus index); 2 usage errors.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

from . import __version__, errors

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2
#: Where `report-miner train` writes without -o: a new folder, never the shipped model.
DEFAULT_TRAINED_MODEL = "area_model"


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="report-miner",
        description="Structured, traceable data from Chinese work reports.")
    parser.add_argument("--version", action="version", version=f"report-miner {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="process reports into JSON")
    run.add_argument("paths", nargs="+", metavar="PATH",
                     help="report files, folders (searched recursively) or - for standard input")
    run.add_argument("-o", "--output", metavar="OUT",
                     help="output file (one input) or folder (several, or a name ending in /); "
                          "default or -: standard output")
    _add_verbosity(run)
    run.add_argument("--tokens", action="store_true", help="include every token in the JSON")
    run.add_argument("--area-scores", action="store_true",
                     help="include every section's and sentence's score for each work area "
                          "(area_scores); without it only the chosen area's, area_confidence")
    run.add_argument("--model", metavar="DIR",
                     help="area model folder to classify with, as `report-miner train` writes "
                          "(default: the shipped model)")
    run.add_argument("--compact", action="store_true",
                     help="JSON on one line, not indented (always so for several inputs on "
                          "standard output: one JSON document per line, JSON Lines)")
    run.add_argument("--workers", type=_positive_int, default=1, metavar="N",
                     help="worker processes (local engine) or Dask workers to start (default 1)")
    run.add_argument("--engine", choices=("local", "dask"), default="local",
                     help="local processes, or a Dask cluster (see --scheduler)")
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="Dask scheduler to use, e.g. tcp://10.0.0.5:8786 (implies --engine dask);"
                          " without it --engine dask starts a local cluster")
    run.add_argument("--timeout", type=_positive_seconds, default=None, metavar="SECONDS",
                     help="bound on the work for one report (default 300)")
    run.add_argument("--force", action="store_true",
                     help="process every input again, even those whose output in the output "
                          "folder is current (same input bytes, pipeline version, model, data "
                          "files and options)")
    run.add_argument("--tables", choices=("parquet", "csv"),
                     help="also write the corpus tables (documents, sections, sentences, "
                          "quantities, entities, activities) to OUT/tables/, or beside a single "
                          "output file in STEM.tables/ (needs -o)")
    run.add_argument("--text-field", metavar="FIELD",
                     help="the field holding a report's text in .jsonl/.csv/.parquet corpus "
                          "files (default: content, else text)")
    run.add_argument("--dedupe", action="store_true",
                     help="leave reposts (corpus.jsonl's duplicate_of) out of the tables")
    run.set_defaults(handler=_run)

    describe = commands.add_parser("describe", help="process reports and print a readable account")
    describe.add_argument("-q", "--quiet", action="store_true",
                          help="print nothing on standard error but errors")
    describe.add_argument("paths", nargs="+", metavar="PATH",
                          help="report files, folders or - for standard input")
    describe.set_defaults(handler=_describe)

    show = commands.add_parser("show", help="render one output JSON as a self-contained HTML page")
    show.add_argument("report", metavar="REPORT.json", help="a JSON file written by run")
    show.add_argument("-o", "--output", metavar="PAGE.html",
                      help="where to write the page (default: REPORT.html beside the JSON)")
    show.set_defaults(handler=_show)

    schema = commands.add_parser("schema", help="print the JSON Schema of the output")
    schema.set_defaults(handler=_schema)

    validate = commands.add_parser("validate", help="check output JSON files against the schema "
                                   "and the offset rules (start <= end, text[start:end] == text)")
    validate.add_argument("reports", nargs="+", metavar="REPORT.json")
    validate.set_defaults(handler=_validate)

    train = commands.add_parser("train", help="train the work-area classifier from the corpus "
                                "into a new model folder (use it with run --model DIR)")
    train.add_argument("-o", "--output", metavar="DIR", default=DEFAULT_TRAINED_MODEL,
                       help=f"model folder to write (default: {DEFAULT_TRAINED_MODEL} in the "
                            "current folder); an existing model there, or the shipped model, is "
                            "overwritten only with --force")
    train.add_argument("--force", action="store_true",
                       help="overwrite the model in the output folder, even the shipped one")
    train.add_argument("--corpus", nargs="+", metavar="JSONL",
                       help="labelled sentences (default: corpora/training/*.jsonl of the checkout)")
    train.add_argument("--gold", metavar="FOLDER",
                       help="gold files of sample reports, their headings trained on and the "
                            "inference settings chosen over them (default: corpora/gold of the "
                            "checkout)")
    train.add_argument("--taxonomy", default="united_front", metavar="NAME|FILE",
                       help="taxonomy name in pipeline/data/taxonomy/ or a JSON file")
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser("evaluate", help="score work areas against gold files: confusion "
                                   "matrix, accuracy per document, the worst sentences")
    evaluate.add_argument("gold", nargs="+", metavar="GOLD|FOLDER",
                          help="gold files (*.gold.json), or folders holding them (in FOLDER or FOLDER/gold)")
    evaluate.add_argument("--text", metavar="TXT",
                          help="the report of the one gold file (default: found beside it)")
    evaluate.add_argument("--model", metavar="DIR", help="area model folder (default: the shipped one)")
    evaluate.set_defaults(handler=_evaluate)
    return parser


def _add_verbosity(command: argparse.ArgumentParser) -> None:
    loudness = command.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true",
                          help="print nothing on standard error but errors")
    loudness.add_argument("-v", "--verbose", action="store_true",
                          help="also name every report as it is finished, with its time")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive, finite number of seconds, not {text}")
    return value


def _fail(message: str) -> None:
    print(f"report-miner: {message}", file=sys.stderr)


class _UsageError(Exception):
    """A command line that cannot be carried out as given; exit 2 with this message."""


def _is_output_folder(output: Path | None, wants_folder: bool, single_input: bool) -> bool:
    """Whether the output is a folder: several inputs, or a folder or a name ending in a
    separator given as the output (one input into it is a corpus of one, with its index)."""
    if output is None:
        return False
    try:
        exists, is_dir = output.exists(), output.is_dir()
    except OSError as exc:
        raise _UsageError(f"cannot check the output path {output}: {exc.strerror}") from None
    if not single_input and exists and not is_dir:
        raise _UsageError(f"{output} exists and is not a folder; several inputs need an "
                          "output folder")
    if not single_input and not exists and output.suffix.lower() == ".json":
        raise _UsageError(f"several inputs need an output folder, and {output} names a file; "
                          "give a folder (-o out/)")
    if wants_folder and exists and not is_dir:
        raise _UsageError(f"{output} exists and is not a folder")
    return not single_input or is_dir or wants_folder


def _check_outputs_spare_inputs(items, output: Path, folder: bool, arguments: list[str]) -> None:
    """Refuse a command line whose outputs would overwrite one of its inputs, or be read as
    inputs by the next run (an output folder that is an input folder)."""
    from .batch import extracted_text_path
    from .inputs import STDIN
    from .stages.ingest import format_of

    inputs = {os.path.realpath(item.path) for item in items if item.path != STDIN}
    # Only web pages, Word files and PDFs get an `.extracted.txt` beside their output.
    extracting = any(format_of(item.path) != "text" for item in items)
    if folder:
        if any(os.path.isdir(argument) and os.path.realpath(argument) == os.path.realpath(output)
               for argument in arguments):
            raise _UsageError(f"the output folder {output} is also an input folder: its outputs "
                              "would be read as inputs; write to another folder")
        targets = [output / item.output_name for item in items]
    else:
        targets = [output]
    for target in targets:
        for path in (target, extracted_text_path(target)) if extracting else (target,):
            if os.path.realpath(path) in inputs:
                raise _UsageError(f"the output {path} is one of the inputs; it would be "
                                  "overwritten")


def _run(args: argparse.Namespace) -> int:
    from .inputs import STDIN, discover
    from .output_folder import make_output_folder, output_lock

    output = Path(args.output) if args.output not in (None, "-") else None
    notices: list[str] = []
    items = discover(args.paths, args.text_field, exclude=output, notices=notices)
    for notice in notices:
        _fail("warning: " + notice)
    if not items:
        _fail("no supported input files found in " + ", ".join(args.paths))
        return EXIT_USAGE
    try:
        single = len(items) == 1 and not os.path.isdir(args.paths[0])
        folder = _is_output_folder(output, args.output is not None
                                   and args.output.endswith(("/", os.sep)), single)
        if output is not None:
            _check_outputs_spare_inputs(items, output, folder, args.paths)
    except _UsageError as exc:
        _fail(str(exc))
        return EXIT_USAGE
    if args.tables and output is None:
        _fail("--tables needs an output (-o FILE or -o FOLDER) to write the tables beside")
        return EXIT_USAGE
    if args.model is not None and not (Path(args.model) / "meta.json").is_file():
        _fail(f"--model {args.model}: no area model there (no meta.json); give a folder "
              "`report-miner train` wrote")
        return EXIT_USAGE
    if STDIN in args.paths and len(items) > 1 and (args.workers > 1 or args.engine != "local"):
        _fail("standard input can be read only in this process: use --workers 1, --engine local")
        return EXIT_USAGE
    if output is None or not folder:
        return _run_items(args, items, output, folder)
    make_output_folder(output)
    with output_lock(output):  # the tables too are this run's
        return _run_items(args, items, output, folder)


def _run_items(args: argparse.Namespace, items, output: Path | None, folder: bool) -> int:
    from .batch import DEFAULT_TIMEOUT, write_corpus, write_outcome
    from .dedupe import mark_reposts, reposted_outputs
    from .engines import make_engine
    from .output_folder import OutputOptions

    progress = None
    if len(items) > 1 and sys.stderr.isatty() and not args.quiet:
        from tqdm import tqdm

        progress = tqdm(total=len(items), unit="report", file=sys.stderr)

    def report_outcome(outcome) -> None:
        if progress is not None:
            progress.update()
        if not outcome.ok:
            _fail(outcome.message or outcome.path)
        elif args.verbose:
            _fail(f"{errors.display_path(outcome.path)}: done in {outcome.seconds or 0:.2f} s")

    timeout = DEFAULT_TIMEOUT if args.timeout is None else args.timeout
    options = OutputOptions(keep_tokens=args.tokens, area_scores=args.area_scores,
                            model_dir=os.path.abspath(args.model) if args.model else None)
    # Several reports on standard output are JSON Lines: one compact document per line.
    indent = not args.compact and (output is not None or len(items) == 1)
    outputs: list[Path] = []
    started = time.monotonic()
    try:
        engine = make_engine(args.engine, workers=min(args.workers, len(items)),
                             scheduler=args.scheduler, timeout=timeout, options=options,
                             indent=indent)
    except errors.EngineUnavailable as exc:
        _fail(str(exc))
        return EXIT_USAGE
    with engine:
        if folder:
            assert output is not None  # an output folder is an output given
            counts = write_corpus(items, engine, output, resume=not args.force,
                                  options=options, on_outcome=report_outcome)
            failed, outputs = counts.failed, [output / name for name in counts.outputs]
            processed, skipped = counts.processed, counts.skipped
            mark_reposts(output)
        else:
            failed = processed = skipped = 0
            for outcome in engine.map(items):
                report_outcome(outcome)
                if not outcome.ok:
                    failed += 1
                    continue
                processed += 1
                if output is None:
                    assert outcome.json is not None  # an outcome that is ok holds its JSON
                    sys.stdout.write(outcome.json + "\n")
                else:
                    write_outcome(outcome, output)
                    outputs.append(output)
    if progress is not None:
        progress.close()
    if not args.quiet:
        _fail(f"{processed} processed, {skipped} skipped (output current), {failed} failed, "
              f"in {time.monotonic() - started:.1f} s")
    if args.tables:
        assert output is not None  # _run refuses --tables without an output
        if folder and args.dedupe:
            reposts = reposted_outputs(output)
            outputs = [path for path in outputs if path.name not in reposts]
        _write_tables(args.tables, outputs,
                      output / "tables" if folder else output.with_suffix(".tables"))
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _write_tables(fmt: str, outputs: list[Path], folder: Path) -> None:
    """The corpus tables of this run's inputs' outputs (written now, or current already)."""
    from .frames import to_frames, write_tables

    write_tables(to_frames(outputs), folder, fmt)


def _show(args: argparse.Namespace) -> int:
    from .show import show

    print(show(args.report, args.output))
    return EXIT_OK


def _describe(args: argparse.Namespace) -> int:
    from . import default_pipeline
    from .inputs import discover, read_input, unreadable_error
    from .digest import describe

    failed = 0
    notices: list[str] = []
    items = discover(args.paths, notices=notices)
    for notice in notices:
        if not args.quiet:
            _fail("warning: " + notice)
    for item in items:
        try:
            if item.unreadable is not None:
                raise unreadable_error(item)
            document = read_input(item.path, record=item.record)
            print(describe(default_pipeline().process_document(document)), flush=True)
        except BrokenPipeError:  # the reader has gone (`describe … | head`): stop quietly
            raise
        except errors.ReportMinerError as exc:
            failed += 1
            _fail(str(exc))
        except Exception as exc:  # a stage bug costs this report, as in `run`, not the listing
            failed += 1
            _fail(str(errors.InternalError(item.path, kind=type(exc).__name__, detail=str(exc)[:500])))
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    from .schema import schema_text

    sys.stdout.write(schema_text())
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from .frames import load_report_json
    from .schema import report_problems

    failed = 0
    for path in args.reports:
        try:
            problems = report_problems(load_report_json(path))
        except errors.NotAReportFile as exc:
            problems = [str(exc)]
        failed += bool(problems)
        for problem in problems[:20]:
            print(f"{errors.display_path(path)}: {problem}")
        if len(problems) > 20:
            print(f"{errors.display_path(path)}: ... and {len(problems) - 20} more problems")
        if not problems:
            print(f"{errors.display_path(path)}: valid")
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _train(args: argparse.Namespace) -> int:
    from .training import refuse_to_overwrite, train
    from .training_set import DEFAULT_CORPUS, DEFAULT_GOLD_DIR

    output = Path(args.output)
    corpus = [Path(path) for path in args.corpus] if args.corpus else DEFAULT_CORPUS
    gold = Path(args.gold) if args.gold else DEFAULT_GOLD_DIR
    if not corpus:
        _fail("no training corpus: the default, corpora/training/*.jsonl, is in a checkout of "
              "report-miner, not in the installed package; give --corpus FILE.jsonl ... and "
              "--gold FOLDER")
        return EXIT_USAGE
    if not gold.is_dir():
        _fail(f"no gold folder {gold}: the inference settings are chosen over gold files; give "
              "--gold FOLDER (corpora/gold of a checkout)")
        return EXIT_USAGE
    refusal = refuse_to_overwrite(output, force=args.force)
    if refusal:
        _fail(refusal)
        return EXIT_USAGE
    meta = train(output, corpus=corpus, gold_dir=gold, taxonomy_name=args.taxonomy)
    validation = meta["cross_validation"]
    print(f"wrote {output}: cross-validated macro-F1 {validation['macro_f1']:.4f}, "
          f"accuracy {validation['accuracy']:.4f} on {validation['examples']} sentences; "
          f"trained in {meta['training_seconds']} s; use it with "
          f"`report-miner run --model {output} ...`")
    return EXIT_OK


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluate import evaluate

    print(evaluate(args.gold, text=args.text, model_dir=args.model).to_text())
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except errors.ReportMinerError as exc:
        _fail(str(exc))
        return EXIT_SOME_FAILED
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130
    except BrokenPipeError:
        # Nobody reads standard output any more; point it at nothing so that Python's own flush
        # at exit does not complain about the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
