"""Where gatenet keeps what it computes: compiled libraries, synthesis results, memos.

One root for everything — ``$GATENET_CACHE`` if set, else the user's cache directory — with
one sub-directory per kind of artefact. Every entry is named by a content hash of all its
inputs, so a stale entry is never found, only left behind; deleting the directory is always
safe.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """``$GATENET_CACHE``, else the per-user cache directory for gatenet."""
    env = os.environ.get("GATENET_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("gatenet"))


def cache_subdir(name: str) -> Path:
    """``cache_root() / name``, created if missing."""
    p = cache_root() / name
    p.mkdir(parents=True, exist_ok=True)
    return p
