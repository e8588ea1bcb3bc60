"""Command line: ``tslib report`` runs every notebook into ``reports/<set>/``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tslib", description="tslib command line")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser(
        "report", help="execute the notebooks with a parameter set and write HTML reports"
    )
    report.add_argument("--params", default="default", help="parameter set name or YAML path")
    report.add_argument("--notebooks", default="notebooks", help="folder of notebooks")
    report.add_argument("--output", default="reports", help="root folder of report runs")
    report.add_argument("--params-dir", default="reports/params", help="folder of parameter sets")
    report.add_argument("--scheduler", default=None, help="existing dask scheduler address")
    report.add_argument("--workers", type=int, default=None, help="LocalCluster worker processes")
    report.add_argument("--only", nargs="*", default=None, help="run only these notebooks")
    report.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tslib`` console script; returns the exit status."""
    args = _build_parser().parse_args(argv)
    if args.command == "report":
        from tslib.errors import TslibError
        from tslib.reports import load_param_set, run_reports

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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
