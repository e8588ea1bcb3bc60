"""Report generation: record notebook metrics, run notebooks with papermill and dask, index them."""

from tslib.reports.build import execute_notebook, find_notebooks, run_reports
from tslib.reports.compare import compare_reports, format_comparison
from tslib.reports.headline import read_headline, record_headline
from tslib.reports.html import write_html_views
from tslib.reports.index import write_index
from tslib.reports.kernel import KERNEL_NAME, ensure_kernel
from tslib.reports.metrics import METRICS_MIME, read_metrics, record
from tslib.reports.params import load_param_set, params_for

__all__ = [
    "KERNEL_NAME",
    "METRICS_MIME",
    "compare_reports",
    "ensure_kernel",
    "execute_notebook",
    "find_notebooks",
    "format_comparison",
    "load_param_set",
    "params_for",
    "read_headline",
    "read_metrics",
    "record",
    "record_headline",
    "run_reports",
    "write_html_views",
    "write_index",
]
