"""Command line: ``tslib report`` runs every notebook into ``reports/<set>/``.

``tslib report --compare OLD_DIR`` runs nothing: it compares the report folder of
``--params`` (``<--output>/<set>``) with an earlier one, ``OLD_DIR``, and prints
the metric changes (old, new, change, relative change), missing notebooks and
metrics, changed parameters and both runs' commits.

Exit status: 0 when every notebook ran (or the comparison was printed), 1 when a
notebook failed, 2 for a usage or configuration error (a bad option, parameter
set, notebook folder or scheduler, a parameter set naming an unknown notebook or
parameter, a report folder without ``metrics.json``), which is reported in one
line on stderr before anything runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


class _OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def _build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="tslib", description="tslib command line")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser(
        "report",
        help="execute the notebooks with a parameter set and write HTML reports",
        description="Execute every notebook with a parameter set into <output>/<set>/ "
        "(index.html, metrics.json, one HTML page per notebook). The parameter set is "
        "checked against each notebook's declared parameters before anything runs. "
        "With --compare OLD_DIR nothing runs: <output>/<set> is compared with OLD_DIR.",
    )
    report.add_argument("--params", default="default", help="parameter set name or YAML path")
    report.add_argument("--notebooks", default="notebooks", help="folder of notebooks")
    report.add_argument("--output", default="reports", help="root folder of report runs")
    report.add_argument("--params-dir", default="reports/params", help="folder of parameter sets")
    report.add_argument("--scheduler", default=None, help="existing dask scheduler address")
    report.add_argument(
        "--workers", type=_positive_int, default=None, help="LocalCluster worker processes (>= 1)"
    )
    report.add_argument(
        "--connect-timeout",
        type=_positive_seconds,
        default=None,
        help="seconds to wait for --scheduler (default 10)",
    )
    report.add_argument(
        "--only",
        nargs="*",
        default=None,
        help="run only these notebooks; their rows are merged into the existing index, "
        "other rows keep their run date",
    )
    report.add_argument(
        "--compare",
        metavar="OLD_DIR",
        default=None,
        help="run nothing; table metric changes from the report folder OLD_DIR (old) to "
        "<output>/<set of --params> (new), with both commits",
    )
    report.add_argument(
        "--changed-only", action="store_true", help="with --compare: only metrics that changed"
    )
    report.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tslib`` console script; returns the exit status."""
    try:
        args = _build_parser().parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error (2), already printed
        return exit_.code if isinstance(exit_.code, int) else 2
    if args.command == "report" and args.compare is not None:
        return _compare(args)
    if args.command == "report":
        from tslib.errors import TslibError
        from tslib.reports import load_param_set, run_reports
        from tslib.reports.build import CONNECT_TIMEOUT_S

        try:
            results = run_reports(
                param_set=args.params,
                notebook_dir=args.notebooks,
                output_root=args.output,
                params_dir=args.params_dir,
                scheduler=args.scheduler,
                workers=args.workers,
                only=args.only,
                progress=not args.no_progress,
                connect_timeout_s=args.connect_timeout or CONNECT_TIMEOUT_S,
            )
        except TslibError as error:  # a usage error: one line, no traceback
            print(f"tslib report: error: {error}", file=sys.stderr)
            return 2
        failed = [r for r in results if r["status"] != "ok"]
        for result in sorted(results, key=lambda r: r["notebook"]):
            print(f"{result['status']:>6}  {result['seconds']:7.1f} s  {result['notebook']}")
            if result["status"] != "ok":
                print(
                    f"        {result['error'].strip().splitlines()[-1] if result['error'] else ''}"
                )
        set_name = load_param_set(args.params, args.params_dir)["name"]
        print(f"index: {Path(args.output) / set_name / 'index.html'}")
        return 1 if failed else 0
    return 2  # pragma: no cover - argparse enforces the command


def _compare(args: argparse.Namespace) -> int:
    """``tslib report --compare OLD_DIR``: print the comparison, run nothing."""
    from tslib.errors import TslibError
    from tslib.reports.compare import compare_reports, format_comparison

    set_name = Path(args.params).stem if args.params.endswith((".yaml", ".yml")) else args.params
    try:
        comparison = compare_reports(args.compare, Path(args.output) / set_name)
    except TslibError as error:
        print(f"tslib report: error: {error}", file=sys.stderr)
        return 2
    print(format_comparison(comparison, changed_only=args.changed_only))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
