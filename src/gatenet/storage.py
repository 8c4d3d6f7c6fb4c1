"""Where and how gatenet writes files: the cache root, atomic writes, verified artefacts.

One root for everything cached — ``$GATENET_CACHE`` if set, else the user's cache directory
— with one sub-directory per kind of artefact. Every entry is named by a content hash of
all its inputs, so a stale entry is never found, only left behind; deleting the directory
is always safe.

Every file is written atomically (a uniquely named temporary file in the same directory,
flushed and ``fsync``-ed, then renamed over the target), so readers — other processes, or
this one after a crash or ``kill -9`` — see the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class CacheError(OSError):
    """The cache directory cannot be created or written."""


def cache_root() -> Path:
    """``$GATENET_CACHE``, else the per-user cache directory for gatenet."""
    env = os.environ.get("GATENET_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("gatenet"))


def cache_subdir(name: str) -> Path:
    """``cache_root() / name``, created if missing; a :class:`CacheError` naming
    ``GATENET_CACHE`` if it cannot be created or written."""
    p = cache_root() / name
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CacheError(
            f"cannot create the cache directory {p}: {e.strerror}; set GATENET_CACHE to a "
            "writable directory"
        ) from None
    if not os.access(p, os.W_OK | os.X_OK):
        raise CacheError(
            f"the cache directory {p} is not writable; set GATENET_CACHE to a writable directory"
        )
    return p


def atomic_write_bytes(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` so readers see either the old file or the new one.

    The new file gets the permissions a plain ``open()`` would give it (``0o666`` less the
    umask) unless ``mode`` is given. Writing to a symbolic link replaces the link with a
    file, as ``os.replace`` does, rather than writing through it to wherever it points.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _default_mode() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fsync_path(path: str | os.PathLike[str]) -> None:
    """Flush a file another program wrote (a compiler's output) to disk, before it is
    renamed into place: otherwise a crash could leave the new name on an empty file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str, mode: int | None = None) -> None:
    """:func:`atomic_write_bytes` of ``text`` encoded as UTF-8."""
    atomic_write_bytes(path, text.encode("utf-8"), mode)


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
