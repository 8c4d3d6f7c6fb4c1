"""Small helpers the book's chapters share: fast mode, and tables as text.

The chapters run at full size when the book is built and in *fast mode* when they run as
tests (``GATENET_FAST=1``, set by ``make test``): smaller boards, fewer repeats and seeds.
Fast mode changes how much is measured, never what is checked.
"""

from __future__ import annotations

import os
from typing import TypeVar

T = TypeVar("T")


def fast_mode() -> bool:
    """True when ``GATENET_FAST`` is set to anything but ``""``/``0``."""
    return os.environ.get("GATENET_FAST", "") not in ("", "0")


def pick(full: T, fast: T) -> T:
    """``full`` for the real build, ``fast`` when the chapters run as tests."""
    return fast if fast_mode() else full


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    """A Markdown table (rendered by myst-nb from ``IPython.display.Markdown``)."""
    def cell(v: object) -> str:
        return f"{v:,}" if isinstance(v, int) else str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


#: The one training run the book is about: every chapter from 5 on reads this run.
BOOK_RULE = "B3/S23"
BOOK_SEED = 0


def book_run(refresh: bool = False):
    """The book's learned circuit (trained, shrunk, synthesised), memoised across chapters.

    Chapter 5 calls this with ``refresh=True`` so every build of the book retrains; later
    chapters then find the same run on disk (the memo is keyed by the package's source as
    well, so changed code is never served an old run). In fast mode — the chapters run as
    tests — a memo from the same source is reused even by chapter 5: it was computed by
    exactly this code, and retraining would only repeat it.
    """
    from gatenet import pipeline

    return pipeline.learn_cached(BOOK_RULE, BOOK_SEED, refresh=refresh and not fast_mode(),
                                 synthesize=True, progress=False)


#: Where chapters put the files the build offers for download (relative to book/, the
#: directory chapters run in; ignored by git, recreated by every build).
DOWNLOADS = "_generated"


def download(name: str, data: str | bytes) -> str:
    """Write ``data`` to ``book/_generated/<name>`` and return the path a ``{download}``
    role in the chapter names (``_generated/<name>``)."""
    from pathlib import Path

    from gatenet.ir.names import MAX_NAME

    if "/" in name or name.startswith(".") or len(name) > MAX_NAME:
        raise ValueError(f"a download is a plain file name, got {name!r}")
    path = Path(DOWNLOADS) / name
    path.parent.mkdir(exist_ok=True)
    if isinstance(data, str):
        path.write_text(data)
    else:
        path.write_bytes(data)
    return str(path)


#: What a source snapshot holds when the book is not built from a git checkout.
_SOURCE_PARTS = ("src", "book", "tests", "_static", ".ci", "_config.yml", "_toc.yml",
                 "Makefile", "pyproject.toml", "requirements.lock", "README.md", "LICENSE")
_NOT_SOURCE = ("_build", "_generated", "__pycache__")


def source_archive(root: str | None = None, name: str = "gatenet-source.tar.gz") -> str:
    """Pack the project's source — exactly the files that built this copy of the book —
    into ``book/_generated/<name>`` and return the download path.

    In a git checkout that is every file git tracks, as it is on disk (uncommitted edits
    included, since they are what ran); otherwise the project's source folders and top
    files. Caches, virtual environments and build output are never included. The book
    links it where a repository link would go: whoever reads the book gets the code too.
    """
    import gzip
    import io
    import subprocess
    import tarfile
    from pathlib import Path

    base = Path(root) if root else Path.cwd().parent  # chapters run in book/
    if not (base / "pyproject.toml").is_file():
        raise FileNotFoundError(f"{base} is not the project's root (no pyproject.toml)")
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                                 "--exclude-standard"], cwd=base, capture_output=True,
                                check=True, timeout=60).stdout.decode().split("\0")
        files = sorted(f for f in listed if f and (base / f).is_file())
    except (OSError, subprocess.SubprocessError):
        files = sorted(
            str(p.relative_to(base)) for part in _SOURCE_PARTS for p in
            ([base / part] if (base / part).is_file() else (base / part).rglob("*"))
            if p.is_file() and not any((s.startswith(".") and s != ".ci") or s in _NOT_SOURCE
                                       for s in p.relative_to(base).parts)
        )
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for f in files:
            info = tar.gettarinfo(str(base / f), arcname=f"gatenet/{f}")
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 0  # the archive depends on the files' contents only
            with open(base / f, "rb") as fh:
                tar.addfile(info, fh)
    return download(name, buf.getvalue())
