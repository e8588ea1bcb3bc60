"""The recorded-metrics display: plain text and HTML both show 4 significant digits."""

from __future__ import annotations

import IPython
import IPython.display

from tslib.reports.metrics import METRICS_MIME, emit_metrics


def test_plain_and_html_views_round_floats(monkeypatch):
    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw: shown.append(obj))
    plain = {"rmse": 2.7741234567891234, "n_test": 365, "dataset": "seattle_weather"}
    assert emit_metrics(plain) is plain
    (bundle,) = shown
    assert bundle[METRICS_MIME] == plain  # the machine-readable copy keeps full precision
    text = bundle["text/plain"]
    assert text == "recorded metrics: rmse = 2.774, n_test = 365, dataset = seattle_weather"
    assert "2.7741234" not in bundle["text/html"]
    assert "<td>2.774</td>" in bundle["text/html"]
