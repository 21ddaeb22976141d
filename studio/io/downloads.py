"""Downloading a model from the Hugging Face Hub into the user model folder, with progress, cancel
and resume. Torch-free and Qt-free: the command line and the window's download dialog both call
`download_model` (the window from a worker thread).

The Hub's own client (`huggingface_hub`) lists the repository (`HfApi.model_info` with the file
sizes, at the revision asked for, pinned to its commit) and fetches each file (`get_hf_file_metadata`
for its address and size, `http_get` with a Range from what is already on disk): its endpoint
(`HF_ENDPOINT`), token (`HF_TOKEN`, `hf auth login`), retries and error classes are the Hub's.
`hf_hub_download` is not used because it deletes a cancelled file's bytes (huggingface_hub 2.x
downloads to a temporary file unique to each call), so a 5 GB shard would start over.

Progress comes from the bytes as they are written (a file wrapper counts them and checks the cancel
event before each chunk): no polling thread, and it works whichever progress bar class the client
has. The client's chunk is made 1 MiB at most (its default, 10 MB, would leave a Cancel waiting ten
seconds on a 1 MB/s line, and the bar still as long).

Where things go, in the user model folder (core.paths.user_models_dir):
    .downloads/<owner>--<name>/             the download in progress: finished files, one
                                            `<file>.incomplete`, and `.download.json` (the commit)
    <owner>--<name>/                        the finished folder, renamed in one step, so the model
                                            picker never lists a half-written model
    <file>.gguf                             a finished GGUF file (`--file`)
A cancelled or failed download keeps its partial folder; the same request resumes it (from the
same commit; a newer commit of the revision starts over).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studio.core.paths import user_models_dir
from studio.io.download_files import (
    INDEX,
    DownloadError,
    check_repo_id,
    choose_files,
    folder_name,
    shards_of,
)

PARTIAL_DIR = ".downloads"
RECORD = ".download.json"  # in the partial folder; kept in the finished one as where it came from
PROGRESS_EVERY_S = 0.1  # progress callbacks at most this often (and at each file's end)
SPEED_WINDOW_S = 3.0  # bytes/s measured over the last seconds
CHUNK_BYTES = 1 << 20  # the most bytes between two cancel checks and progress counts


class DownloadCancelled(Exception):
    """The download was cancelled; what was fetched stays in `partial`, resumed by asking again."""

    def __init__(self, partial: Path) -> None:
        super().__init__(f"cancelled; the same download resumes from {partial}")
        self.partial = partial


@dataclass(frozen=True)
class DownloadProgress:
    file: str  # the file being fetched
    done_bytes: int  # of the whole download, including what was already on disk
    total_bytes: int
    bytes_per_s: float  # over the last few seconds; 0 until measured
    seconds_left: float | None  # None until a speed is measured

    @property
    def fraction(self) -> float:
        return self.done_bytes / self.total_bytes if self.total_bytes else 0.0


@dataclass(frozen=True)
class DownloadPlan:
    repo_id: str
    revision: str  # as asked ("main" by default)
    commit: str  # the commit it resolved to: every file is fetched from it
    files: dict[str, int | None]  # the files to fetch -> size in bytes (None: not listed)
    listing: dict[str, int | None]  # every file of the repository -> its size
    target: Path  # the finished folder, or .gguf file
    partial: Path  # the folder it downloads into

    @property
    def total_bytes(self) -> int:
        return sum(s or 0 for s in self.files.values())


ProgressCallback = Callable[[DownloadProgress], None]


def _endpoint() -> str | None:
    """HF_ENDPOINT as it is now (huggingface_hub reads it once, when first imported)."""
    return os.environ.get("HF_ENDPOINT") or None


def _one_line(e: BaseException, repo_id: str, revision: str) -> DownloadError:
    """A DownloadError saying what went wrong, for the Hub client's and the system's errors."""
    from huggingface_hub import errors as hub

    if isinstance(e, DownloadError):
        return e
    if isinstance(e, getattr(hub, "OfflineModeIsEnabled", ())):
        return DownloadError("HF_HUB_OFFLINE is set: unset it to download models")
    if isinstance(e, hub.GatedRepoError):
        return DownloadError(
            f"{repo_id} is gated: accept its terms on huggingface.co/{repo_id}, then log in "
            "(hf auth login, or set HF_TOKEN) and download again"
        )
    if isinstance(e, hub.RevisionNotFoundError):
        return DownloadError(f"{repo_id} has no revision {revision!r}")
    if isinstance(e, hub.RepositoryNotFoundError):
        return DownloadError(
            f"no model {repo_id} on the Hub (or it is private: log in with hf auth login)"
        )
    if isinstance(e, hub.HfHubHTTPError):
        status = getattr(getattr(e, "response", None), "status_code", "?")
        return DownloadError(f"the Hub refused the download of {repo_id} (HTTP {status})")
    if isinstance(e, OSError) and e.errno == errno.ENOSPC:
        return DownloadError("the disk is full: free some space, then download again to resume")
    if isinstance(e, PermissionError):
        return DownloadError(
            f"cannot write to {e.filename or 'the model folder'}: permission denied"
        )
    module = type(e).__module__.split(".")[0]
    if module in ("httpx", "httpx2", "requests", "urllib3", "httpcore") or isinstance(
        e, (ConnectionError, TimeoutError)
    ):
        where = _endpoint() or "huggingface.co"
        return DownloadError(
            f"cannot reach {where}: check the network connection ({type(e).__name__})"
        )
    if isinstance(e, OSError):
        return DownloadError(str(e).splitlines()[0] if str(e) else type(e).__name__)
    return DownloadError(f"{type(e).__name__}: {e}")


def plan_download(
    repo_id: str,
    filename: str | None = None,
    revision: str | None = None,
    models_dir: Path | None = None,
) -> DownloadPlan:
    """List the repository at `revision` and choose what to fetch; DownloadError with one line."""
    revision = revision or "main"
    repo_id = check_repo_id(repo_id)
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        raise DownloadError("HF_HUB_OFFLINE is set: unset it to download models")
    try:
        from huggingface_hub import HfApi

        info = HfApi(endpoint=_endpoint()).model_info(
            repo_id, revision=revision, files_metadata=True
        )
    except Exception as e:  # noqa: BLE001 - every failure becomes one line
        raise _one_line(e, repo_id, revision) from None
    sizes = {s.rfilename: s.size for s in (info.siblings or [])}
    chosen = choose_files(repo_id, sorted(sizes), filename)
    root = models_dir or user_models_dir()
    if filename is not None:
        target = root / Path(filename).name
        partial = root / PARTIAL_DIR / f"{folder_name(repo_id)}--{Path(filename).stem}"
    else:
        target = root / folder_name(repo_id)
        partial = root / PARTIAL_DIR / folder_name(repo_id)
    return DownloadPlan(
        repo_id=repo_id,
        revision=revision,
        commit=info.sha or revision,
        files={n: sizes.get(n) for n in chosen},
        listing=sizes,
        target=target,
        partial=partial,
    )


class _Meter:
    """Counts the bytes written, reports progress (throttled) and stops at the cancel event."""

    def __init__(
        self,
        total: int,
        done: int,
        on_progress: ProgressCallback | None,
        cancel: threading.Event | None,
        partial: Path,
    ) -> None:
        self.total, self.done = total, done
        self.on_progress, self.cancel, self.partial = on_progress, cancel, partial
        self.file = ""
        self._samples: deque[tuple[float, int]] = deque([(time.monotonic(), done)])
        self._last = 0.0

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise DownloadCancelled(self.partial)

    def add(self, n: int, force: bool = False) -> None:
        self.done += n
        now = time.monotonic()
        if not force and now - self._last < PROGRESS_EVERY_S:
            return
        self._last = now
        self._samples.append((now, self.done))
        while len(self._samples) > 2 and now - self._samples[0][0] > SPEED_WINDOW_S:
            self._samples.popleft()
        t0, b0 = self._samples[0]
        speed = (self.done - b0) / (now - t0) if now > t0 and self.done > b0 else 0.0
        left = max(self.total - self.done, 0) / speed if speed > 0 else None
        if self.on_progress is not None:
            self.on_progress(DownloadProgress(self.file, self.done, self.total, speed, left))


class _CountingFile:
    """The file a download writes to, counting each chunk and checking for a cancel before it."""

    def __init__(self, f, meter: _Meter) -> None:
        self._f, self._meter = f, meter

    def write(self, chunk: bytes) -> int:
        self._meter.check()
        n = self._f.write(chunk)
        self._meter.add(len(chunk))
        return n

    def seek(self, *args):
        return self._f.seek(*args)

    def tell(self) -> int:
        return self._f.tell()

    def truncate(self, *args):
        return self._f.truncate(*args)

    def flush(self) -> None:
        self._f.flush()


def _fetch(plan: DownloadPlan, name: str, meter: _Meter) -> None:
    """One file into the partial folder, resumed from its `.incomplete` bytes, renamed when whole."""
    from huggingface_hub import constants, get_hf_file_metadata, hf_hub_url
    from huggingface_hub.file_download import http_get
    from huggingface_hub.utils import build_hf_headers

    # read by http_get at each call; this process's downloads are all ours
    constants.DOWNLOAD_CHUNK_SIZE = min(constants.DOWNLOAD_CHUNK_SIZE, CHUNK_BYTES)

    final = plan.partial / name
    tmp = plan.partial / f"{name}.incomplete"
    url = hf_hub_url(plan.repo_id, name, revision=plan.commit, endpoint=_endpoint())
    meta = get_hf_file_metadata(url, endpoint=_endpoint())
    size = meta.size if meta.size is not None else plan.listing.get(name)
    have = tmp.stat().st_size if tmp.is_file() else 0
    if size is not None and have > size:  # not this file's bytes: start it over
        tmp.unlink()
        meter.add(-have, force=True)
        have = 0
    meter.file = name
    with open(tmp, "r+b" if have else "wb") as f:
        f.seek(have)
        f.truncate()
        http_get(
            meta.location,
            _CountingFile(f, meter),  # type: ignore[arg-type]  # the methods http_get uses
            resume_size=have,
            headers=build_hf_headers(),
            expected_size=size,
            displayed_filename=name,
        )
    os.replace(tmp, final)
    meter.add(0, force=True)


def _complete(partial: Path, name: str, size: int | None) -> bool:
    whole = partial / name
    return whole.is_file() and (size is None or whole.stat().st_size == size)


def _on_disk(partial: Path, name: str, size: int | None) -> int:
    """Bytes of `name` already fetched: the whole file, or its `.incomplete` part."""
    if _complete(partial, name, size):
        return (partial / name).stat().st_size
    part = partial / f"{name}.incomplete"
    return part.stat().st_size if part.is_file() else 0


def _prepare_partial(plan: DownloadPlan) -> None:
    """The partial folder for this plan: kept if it holds the same commit, else started afresh."""
    record = plan.partial / RECORD
    if plan.partial.is_dir():
        try:
            same = json.loads(record.read_text(encoding="utf-8")).get("commit") == plan.commit
        except (OSError, ValueError, AttributeError):
            same = False
        if not same:
            shutil.rmtree(plan.partial)
    plan.partial.mkdir(parents=True, exist_ok=True)
    record.write_text(
        json.dumps(
            {
                "repo_id": plan.repo_id,
                "revision": plan.revision,
                "commit": plan.commit,
                "endpoint": _endpoint() or "https://huggingface.co",
            },
            indent=1,
        ),
        encoding="utf-8",
    )


def _check_space(plan: DownloadPlan, remaining: int) -> None:
    free = shutil.disk_usage(plan.partial).free
    if remaining > free:
        raise DownloadError(
            f"not enough disk space for {plan.repo_id}: {remaining / 1e9:.2f} GB to fetch, "
            f"{free / 1e9:.2f} GB free in {plan.partial.parent.parent}"
        )


def run_download(
    plan: DownloadPlan,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Fetch the plan's files and put the model in place; its path. DownloadError with one line,
    or DownloadCancelled (the partial folder stays for a resume)."""
    try:
        _prepare_partial(plan)
        files = dict(plan.files)
        done = sum(_on_disk(plan.partial, n, s) for n, s in files.items())
        _check_space(plan, plan.total_bytes - done)
        meter = _Meter(plan.total_bytes, done, on_progress, cancel, plan.partial)
        queue = list(files)
        while queue:
            meter.check()
            name = queue.pop(0)
            if not _complete(plan.partial, name, files[name]):
                _fetch(plan, name, meter)
            if name == INDEX:  # the shards it names are fetched next
                shards = shards_of(plan.partial / name, list(plan.listing))
                sizes = {s: plan.listing.get(s) for s in shards}
                files.update(sizes)
                meter.total += sum(v or 0 for v in sizes.values())
                meter.done += sum(_on_disk(plan.partial, s, sizes[s]) for s in shards)
                _check_space(plan, meter.total - meter.done)
                queue += shards
        meter.check()
        return _finish(plan)
    except DownloadCancelled:
        raise
    except Exception as e:  # noqa: BLE001 - every failure becomes one line
        raise _one_line(e, plan.repo_id, plan.revision) from None


def _finish(plan: DownloadPlan) -> Path:
    """Move the finished download into place in one rename."""
    if plan.target.suffix.lower() == ".gguf":
        os.replace(plan.partial / next(iter(plan.files)), plan.target)
        shutil.rmtree(plan.partial, ignore_errors=True)
    else:
        os.replace(plan.partial, plan.target)
    with contextlib.suppress(OSError):  # .downloads goes when nothing else is downloading
        os.rmdir(plan.partial.parent)
    return plan.target


def download_model(
    repo_id: str,
    filename: str | None = None,
    revision: str | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    models_dir: Path | None = None,
) -> Path:
    """Download a model (a folder, or one GGUF file with `filename`) into the user model folder;
    the path it is at. A model already there is not fetched again: DownloadError says where."""
    plan = plan_download(repo_id, filename, revision, models_dir)
    if plan.target.exists():
        raise DownloadError(
            f"{plan.repo_id} is already in your model folder: {plan.target} "
            "(delete it to download it again)"
        )
    return run_download(plan, on_progress, cancel)


def human_bytes(n: float) -> str:
    """A size as people read it: 512 B, 3.4 MB, 1.21 GB (decimal units, as the Hub shows them)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.{2 if unit == 'GB' else 1}f} {unit}"
    return f"{int(n)} B"


def human_time(seconds: float | None) -> str:
    """m:ss or h:mm:ss; "--:--" when not known yet."""
    if seconds is None:
        return "--:--"
    s = int(seconds + 0.5)
    if s >= 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"
