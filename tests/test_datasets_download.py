"""Verified, atomic downloads and the data cache, against a local HTTP server.

Every URL points at 127.0.0.1; a guard fails any test that tries another host.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import socket
import threading
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import tslib.datasets as tds
from tslib.datasets.cache import DATA_DIR_ENV, RemoteFile, cached_path, data_dir, resolve_source
from tslib.datasets.download import fetch, sha256_of
from tslib.datasets.metro import METRO_REMOTE
from tslib.errors import DataError, DownloadError

FIXTURES = Path(__file__).parent / "fixtures" / "datasets"


class _Server:
    """Serves ``routes[path] = (body, mode)``; mode "ok", "truncate" or "404". Counts requests."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[bytes, str]] = {}
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                server.requests.append(self.path)
                body, mode = server.routes.get(self.path, (b"", "404"))
                if mode == "404":
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                extra = 1000 if mode == "truncate" else 0
                self.send_header("Content-Length", str(len(body) + extra))
                self.end_headers()
                self.wfile.write(body if mode == "ok" else body[: len(body) // 2])
                self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def add(self, path: str, body: bytes, mode: str = "ok") -> str:
        self.routes[path] = (body, mode)
        return self.base + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = _Server()
    yield srv
    srv.close()


@pytest.fixture(autouse=True)
def offline_guard(monkeypatch, tmp_path):
    """Refuse any host but 127.0.0.1, and keep the default cache in tmp_path."""
    real_urlopen = urllib.request.urlopen

    def guarded(request, *args, **kwargs):
        url = request.full_url if isinstance(request, urllib.request.Request) else request
        host = urllib.parse.urlsplit(url).hostname
        assert host == "127.0.0.1", f"test tried to reach {url}"
        return real_urlopen(request, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", guarded)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "env_cache"))


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _metro_zip() -> bytes:
    """The UCI layout: a zip holding Metro_Interstate_Traffic_Volume.csv.gz."""
    csv = (FIXTURES / "metro" / "Metro_Interstate_Traffic_Volume.csv").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Metro_Interstate_Traffic_Volume.csv.gz", gzip.compress(csv))
    return buffer.getvalue()


def test_fetch_writes_file_with_matching_sha256(server, tmp_path):
    body = b"x" * 200_000  # several chunks
    url = server.add("/f.bin", body)
    dest = fetch(url, tmp_path / "sub" / "f.bin", hashlib.sha256(body).hexdigest(), size=len(body))
    assert dest.read_bytes() == body
    assert sha256_of(dest) == hashlib.sha256(body).hexdigest()
    assert _files_under(tmp_path) == [dest]


@pytest.mark.parametrize(
    ("mode", "kwargs", "message"),
    [
        ("ok", {"sha256": "0" * 64}, "SHA-256 mismatch"),
        ("ok", {"size": 7}, "expected 7 bytes, received 10"),
        ("truncate", {}, "interrupted"),
        ("404", {}, "HTTP 404"),
    ],
)
def test_fetch_failure_leaves_nothing(server, tmp_path, mode, kwargs, message):
    url = server.add("/f.bin", b"0123456789", mode)
    dest = tmp_path / "cache" / "f.bin"
    with pytest.raises(DownloadError, match=message):
        fetch(url, dest, **kwargs)
    assert _files_under(tmp_path) == []


def test_fetch_failure_keeps_existing_destination(server, tmp_path):
    dest = tmp_path / "f.bin"
    dest.write_bytes(b"old")
    url = server.add("/f.bin", b"new content", "truncate")
    with pytest.raises(DownloadError):
        fetch(url, dest)
    assert dest.read_bytes() == b"old"
    assert _files_under(tmp_path) == [dest]


def test_connection_refused_is_download_error(tmp_path):
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DownloadError, match="download failed"):
        fetch(f"http://127.0.0.1:{port}/x", tmp_path / "x", timeout=5)
    assert _files_under(tmp_path) == []


def test_data_dir_precedence(monkeypatch, tmp_path):
    assert data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert data_dir() == tmp_path / "env_cache"
    monkeypatch.delenv(DATA_DIR_ENV)
    assert data_dir().name in ("data", "tslib")


def test_load_downloads_once_then_reuses_cache(server, tmp_path):
    body = _metro_zip()
    url = server.add("/metro.zip", body)
    digest = hashlib.sha256(body).hexdigest()
    first = tds.load("metro_traffic", url=url, sha256=digest, cache_dir=tmp_path)
    cached = tmp_path / "metro_traffic" / METRO_REMOTE.filename
    assert cached.read_bytes() == body
    assert server.requests == ["/metro.zip"]
    second = tds.load("metro_traffic", url=url, sha256=digest, cache_dir=tmp_path)
    assert server.requests == ["/metro.zip"]  # no second request
    pd.testing.assert_frame_equal(first.frame, second.frame)
    assert len(first.frame) == 18
    assert _files_under(tmp_path) == [cached]


def test_default_cache_comes_from_environment(server, tmp_path):
    body = _metro_zip()
    url = server.add("/metro.zip", body)
    tds.load("metro_traffic", url=url, sha256=hashlib.sha256(body).hexdigest())
    assert (tmp_path / "env_cache" / "metro_traffic" / METRO_REMOTE.filename).is_file()


@pytest.mark.parametrize(
    ("mode", "sha256", "reason"),
    [("ok", "f" * 64, "SHA-256 mismatch"), ("truncate", None, "interrupted"), ("404", None, "404")],
)
def test_load_failure_leaves_cache_empty_and_guides_user(server, tmp_path, mode, sha256, reason):
    url = server.add("/metro.zip", _metro_zip(), mode)
    with pytest.raises(DownloadError) as caught:
        tds.load("metro_traffic", url=url, sha256=sha256, cache_dir=tmp_path)
    message = str(caught.value)
    assert reason in message
    assert METRO_REMOTE.page in message  # where to get it
    assert str(tmp_path / "metro_traffic" / METRO_REMOTE.filename) in message  # where to put it
    assert "path=" in message
    assert _files_under(tmp_path) == []


def test_official_digest_applies_to_mirror_url(server, tmp_path):
    remote = RemoteFile(url="unused", filename="f.zip", page="https://example.org", sha256="a" * 64)
    url = server.add("/f.zip", b"not the official file")
    with pytest.raises(DownloadError, match="SHA-256 mismatch"):
        resolve_source("demo", remote, url=url, cache_dir=tmp_path)
    assert _files_under(tmp_path) == []


@pytest.mark.parametrize(
    ("name", "options", "reason"),
    [
        ("cmapss", {}, "SHA-256 mismatch"),  # digest pinned, no size known
        ("jena_climate", {}, "expected 13568290 bytes"),  # size only
        ("movielens", {"variant": "100k"}, "expected 4924029 bytes"),
        ("movielens", {"variant": "1m"}, "expected 5917549 bytes"),
    ],
)
def test_official_checks_refuse_a_wrong_file_from_a_mirror(server, tmp_path, name, options, reason):
    url = server.add("/mirror.zip", _metro_zip())
    with pytest.raises(DownloadError, match=reason):
        tds.load(name, url=url, cache_dir=tmp_path, **options)
    assert _files_under(tmp_path) == []


def test_metro_download_is_not_checksummed(server, tmp_path):
    assert METRO_REMOTE.sha256 is None and METRO_REMOTE.size is None
    url = server.add("/metro.zip", _metro_zip())
    ds = tds.load("metro_traffic", url=url, cache_dir=tmp_path)
    assert len(ds.frame) == 18
    assert _files_under(tmp_path) == [tmp_path / "metro_traffic" / METRO_REMOTE.filename]


def test_no_download_names_official_url_and_exact_path(tmp_path):
    with pytest.raises(DownloadError) as caught:
        tds.load("movielens", variant="1m", download=False, cache_dir=tmp_path)
    message = str(caught.value)
    assert "https://grouplens.org/datasets/movielens/" in message
    assert "https://files.grouplens.org/datasets/movielens/ml-1m.zip" in message
    assert str(tmp_path / "movielens" / "ml-1m.zip") in message


def test_cached_path_layout(tmp_path):
    assert cached_path("jena_climate", RemoteFile("u", "j.zip", "p"), tmp_path) == (
        tmp_path / "jena_climate" / "j.zip"
    )


def test_missing_user_path_is_data_error(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        tds.load("cmapss", path=tmp_path / "nowhere")
