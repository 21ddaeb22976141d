"""A tiny Hugging Face Hub on 127.0.0.1 for the download tests: the endpoints huggingface_hub calls
to list a repository and fetch its files, nothing else.

    GET  /api/models/{owner}/{name}[/revision/{rev}]   the listing (sha, siblings with sizes)
    HEAD /{owner}/{name}/resolve/{rev}/{file}          X-Repo-Commit, ETag, Content-Length
    GET  /{owner}/{name}/resolve/{rev}/{file}          the bytes; `Range: bytes=N-` answers 206

Errors carry the X-Error-Code header the client maps to its exceptions (RepoNotFound,
RevisionNotFound, GatedRepo).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote


@dataclass
class Repo:
    files: dict[str, bytes]
    sha: str = "0123456789abcdef0123456789abcdef01234567"
    gated: bool = False


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hung up (a cancelled download) is no error of the server's


class Hub:
    """The server, its repositories, and what it was asked (for the tests to check)."""

    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.gets: list[tuple[str, str | None]] = []  # (file, Range header) of each file GET
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_HEAD(self) -> None:
                hub._answer(self, body=False)

            def do_GET(self) -> None:
                hub._answer(self, body=True)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def add_folder(self, repo_id: str, folder: Path, **kw) -> Repo:
        files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
        self.repos[repo_id] = Repo(files, **kw)
        return self.repos[repo_id]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---- answers ------------------------------------------------------------------------------

    @staticmethod
    def _error(h: BaseHTTPRequestHandler, status: int, code: str) -> None:
        h.send_response(status)
        h.send_header("X-Error-Code", code)
        h.send_header("Content-Type", "application/json")
        body = json.dumps({"error": code}).encode()
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _answer(self, h: BaseHTTPRequestHandler, body: bool) -> None:
        path = unquote(h.path.split("?", 1)[0])
        m = re.fullmatch(r"/api/models/([^/]+/[^/]+)(?:/revision/(.+))?", path)
        if m:
            return self._listing(h, m.group(1), m.group(2) or "main")
        m = re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
        if m:
            return self._file(h, m.group(1), m.group(2), m.group(3), body)
        self._error(h, 404, "EntryNotFound")

    def _repo(self, h, repo_id: str, rev: str) -> Repo | None:
        repo = self.repos.get(repo_id)
        if repo is None:
            self._error(h, 401, "RepoNotFound")
            return None
        if rev not in ("main", repo.sha):
            self._error(h, 404, "RevisionNotFound")
            return None
        return repo

    def _listing(self, h, repo_id: str, rev: str) -> None:
        repo = self._repo(h, repo_id, rev)
        if repo is None:
            return
        data = {
            "id": repo_id,
            "modelId": repo_id,
            "sha": repo.sha,
            "private": False,
            "gated": "manual" if repo.gated else False,
            "siblings": [{"rfilename": n, "size": len(b)} for n, b in repo.files.items()],
        }
        out = json.dumps(data).encode()
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(out)))
        h.end_headers()
        h.wfile.write(out)

    def _file(self, h, repo_id: str, rev: str, name: str, body: bool) -> None:
        repo = self._repo(h, repo_id, rev)
        if repo is None:
            return
        if repo.gated:
            return self._error(h, 403, "GatedRepo")
        data = repo.files.get(name)
        if data is None:
            return self._error(h, 404, "EntryNotFound")
        rng = h.headers.get("Range")
        start = 0
        if rng:
            start = int(re.fullmatch(r"bytes=(\d+)-", rng).group(1))
        h.send_response(206 if rng else 200)
        h.send_header("X-Repo-Commit", repo.sha)
        h.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
        h.send_header("Accept-Ranges", "bytes")
        h.send_header("Content-Length", str(len(data) - start))
        if rng:
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        h.end_headers()
        if not body:
            return
        self.gets.append((name, rng))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a cancelled client
            h.wfile.write(data[start:])
