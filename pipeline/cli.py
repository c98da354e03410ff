"""Command line: `report-miner run|schema …` (also `python -m pipeline`).

Exit codes: 0 every input processed; 1 some inputs failed (each named on stderr with its
reason, and in the corpus index); 2 usage errors.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __version__, errors

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


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
                     help="output file (one input) or folder (several); default: standard output")
    run.add_argument("--tokens", action="store_true", help="include every token in the JSON")
    run.add_argument("--compact", action="store_true", help="JSON on one line, not indented")
    run.set_defaults(handler=_run)

    describe = commands.add_parser("describe", help="process reports and print a readable account")
    describe.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders")
    describe.set_defaults(handler=_describe)

    schema = commands.add_parser("schema", help="print the JSON Schema of the output")
    schema.set_defaults(handler=_schema)
    return parser


def _fail(message: str) -> None:
    print(f"report-miner: {message}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    from .batch import atomic_write, discover, run_local

    items = discover(args.paths)
    if not items:
        _fail("no supported input files found in " + ", ".join(args.paths))
        return EXIT_USAGE
    single = len(items) == 1 and not Path(args.paths[0]).is_dir()
    output = Path(args.output) if args.output else None
    if output is not None and not single and output.exists() and not output.is_dir():
        _fail(f"{output} exists and is not a folder; several inputs need an output folder")
        return EXIT_USAGE

    progress = None
    if len(items) > 1 and sys.stderr.isatty():
        from tqdm import tqdm

        progress = tqdm(total=len(items), unit="report", file=sys.stderr)
    failed = 0
    index_rows = []
    for outcome in run_local(items, keep_tokens=args.tokens, indent=not args.compact):
        if progress is not None:
            progress.update()
        if not outcome.ok:
            failed += 1
            _fail(outcome.message or outcome.path)
        elif output is None:
            sys.stdout.write(outcome.json + "\n")
        elif single:
            atomic_write(output, outcome.json + "\n")
        else:
            atomic_write(output / outcome.output_name, outcome.json + "\n")
        index_rows.append({"path": outcome.path, "output": outcome.output_name if outcome.ok else None,
                           "ok": outcome.ok, "doc_id": outcome.doc_id, "sha256": outcome.sha256,
                           "error_code": outcome.error_code, "error_class": outcome.error_class,
                           "message": outcome.message})
    if progress is not None:
        progress.close()
    if output is not None and not single:
        atomic_write(output / "corpus.jsonl",
                     "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in index_rows))
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _describe(args: argparse.Namespace) -> int:
    from . import process_file
    from .batch import discover
    from .digest import describe

    failed = 0
    for item in discover(args.paths):
        try:
            print(describe(process_file(item.path)))
        except errors.InputError as exc:
            failed += 1
            _fail(str(exc))
    return EXIT_SOME_FAILED if failed else EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    from .schema import schema_text

    sys.stdout.write(schema_text())
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
        return EXIT_OK
