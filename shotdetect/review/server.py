"""The review page's web server: 127.0.0.1 only, a random free port, nothing fetched from elsewhere.

Routes: ``/`` the page (script and style inlined), ``/data`` the session as JSON, ``/video`` the file
(with byte ranges, so the browser can seek), ``/frame/N.jpg?size=S`` one decoded frame, and
``POST /save`` the corrected transitions. Requests must name this server in their ``Host`` header
(no DNS rebinding) and a save must carry the page's token (no other site can post to it).
"""

from __future__ import annotations

import json
import mimetypes
import re
import secrets
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..errors import ShotdetectError
from .frames import FrameGrabber
from .session import ReviewSession

__all__ = ["ReviewServer", "page_html"]

CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data: blob:; "
       "media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'")


def page_html(token: str) -> str:
    """The page with its script and style inlined: one request, nothing from outside."""
    files = resources.files("shotdetect.review")
    html = files.joinpath("page.html").read_text("utf-8")
    html = html.replace("/*STYLE*/", files.joinpath("page.css").read_text("utf-8"))
    html = html.replace("/*SCRIPT*/", files.joinpath("page.js").read_text("utf-8"))
    return html.replace("__TOKEN__", token)


class ReviewServer(ThreadingHTTPServer):
    """Serves one :class:`ReviewSession` on ``127.0.0.1:port`` (``port=0``: a free one)."""

    daemon_threads = True

    def __init__(self, session: ReviewSession, port: int = 0):
        super().__init__(("127.0.0.1", port), _Handler)
        self.session = session
        self.token = secrets.token_urlsafe(24)
        self.frames = FrameGrabber(session.video, session.detected.video, session.record.times)
        self.page = page_html(self.token).encode("utf-8")
        self.data = json.dumps(session.page_data()).encode("utf-8")
        self.save_lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def server_close(self) -> None:
        super().server_close()
        self.frames.close()


class _Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: the terminal shows the URL only
        pass

    def _host_ok(self) -> bool:
        port = self.server.server_address[1]
        return self.headers.get("Host", "") in {f"127.0.0.1:{port}", f"localhost:{port}"}

    def _send(self, status: int, body: bytes, kind: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, value: Any) -> None:
        self._send(status, json.dumps(value).encode("utf-8"), "application/json")

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        if not self._host_ok():
            return self._json(HTTPStatus.FORBIDDEN, {"error": "unknown host"})
        url = urlsplit(self.path)
        if url.path == "/":
            return self._send(HTTPStatus.OK, self.server.page, "text/html; charset=utf-8",
                              {"Content-Security-Policy": CSP, "Referrer-Policy": "no-referrer"})
        if url.path == "/data":
            return self._send(HTTPStatus.OK, self.server.data, "application/json")
        if url.path == "/video":
            return self._video()
        match = re.fullmatch(r"/frame/(\d+)\.jpg", url.path)
        if match:
            size = parse_qs(url.query).get("size", ["480"])[0]
            try:
                data = self.server.frames.jpeg(int(match.group(1)), max(32, min(1920, int(size))))
            except (ShotdetectError, ValueError) as exc:
                return self._json(HTTPStatus.NOT_FOUND, {"error": str(exc)})
            return self._send(HTTPStatus.OK, data, "image/jpeg", {"Cache-Control": "max-age=3600"})
        return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    do_HEAD = do_GET

    def do_POST(self) -> None:  # noqa: N802
        if not self._host_ok() or urlsplit(self.path).path != "/save":
            return self._json(HTTPStatus.FORBIDDEN, {"error": "not allowed"})
        if not secrets.compare_digest(self.headers.get("X-Review-Token", ""), self.server.token):
            return self._json(HTTPStatus.FORBIDDEN, {"error": "bad token"})
        try:
            length = int(self.headers.get("Content-Length", "0"))
            payload = json.loads(self.rfile.read(min(length, 64 << 20)) or b"{}")
        except (ValueError, json.JSONDecodeError):
            return self._json(HTTPStatus.BAD_REQUEST, {"error": "not JSON"})
        try:
            with self.server.save_lock:
                timeline = self.server.session.save(payload if isinstance(payload, dict) else {})
        except ShotdetectError as exc:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
        return self._json(HTTPStatus.OK, {"saved": str(self.server.session.target),
                                          "shots": len(timeline.shots), "transitions": len(timeline.transitions)})

    def _video(self) -> None:
        path = self.server.session.video
        size = path.stat().st_size
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        start, end = 0, size - 1
        status = HTTPStatus.OK
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if match and (match.group(1) or match.group(2)):
            if match.group(1):
                start = int(match.group(1))
                end = min(end, int(match.group(2))) if match.group(2) else end
            else:
                start = max(0, size - int(match.group(2)))
            if start > end:
                self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = HTTPStatus.PARTIAL_CONTENT
        length = end - start + 1
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(length))
        if status == HTTPStatus.PARTIAL_CONTENT:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if self.command == "HEAD":
            return
        with open(path, "rb") as f:
            f.seek(start)
            left = length
            while left > 0:
                chunk = f.read(min(1 << 16, left))
                if not chunk:
                    break
                try:
                    self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    return
                left -= len(chunk)
