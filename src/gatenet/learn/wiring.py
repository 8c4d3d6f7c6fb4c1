"""Fixed wiring schemes: which two outputs of layer ``l`` feed each gate of layer ``l + 1``.

In a differentiable logic gate network the *wires* are not learned; only the choice of gate
is. So the wiring decides how information can flow, and a poor one makes training fail no
matter how the gates are tuned (the write-up's "Wiring" section tells that story). A
scheme returns two index arrays ``(a, b)`` of length ``n_out``: gate ``k`` reads inputs
``a[k]`` and ``b[k]`` of the previous layer.

- ``random``: independent random pairs. Some inputs may go unread, and information is lost.
- ``tree``: gate ``k`` reads ``2k`` and ``2k + 1`` — full coverage, no mixing between branches.
- ``unique``: the DiffLogic paper's scheme: the even pairs ``(0,1), (2,3), …`` first, then odd
  pairs ``(1,2), (3,4), …``, then random padding, truncated to ``n_out`` and shuffled.
  Every input is read when ``n_out ≤ n_in ≤ 2·n_out``.
- ``expand``: for layers wider than their input: every unordered pair of inputs, shuffled,
  repeated until the layer is full, so each pair is available to the first layer.
"""

from __future__ import annotations

import itertools

import numpy as np

#: The fixed schemes, and ``auto`` (expand wide layers, else unique) on top of them.
FIXED_SCHEMES = ("random", "tree", "unique", "expand")
SCHEMES = (*FIXED_SCHEMES, "auto")

Wiring = tuple[np.ndarray, np.ndarray]


def _check(n_in: int, n_out: int) -> None:
    for name, v in (("n_in", n_in), ("n_out", n_out)):
        if not isinstance(v, int | np.integer) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")


def _pairs(rng: np.random.Generator, n_in: int, count: int) -> list[tuple[int, int]]:
    """``count`` random pairs of distinct inputs (or ``(0, 0)`` when there is one input)."""
    if n_in == 1:
        return [(0, 0)] * count
    a = rng.integers(0, n_in, size=count)
    off = rng.integers(1, n_in, size=count)  # never 0, so b != a
    b = (a + off) % n_in
    return list(zip(a.tolist(), b.tolist(), strict=True))


def _as_arrays(pairs: list[tuple[int, int]]) -> Wiring:
    arr = np.asarray(pairs, dtype=np.int32).reshape(-1, 2)
    return arr[:, 0].copy(), arr[:, 1].copy()


def random_pairs(n_in: int, n_out: int, rng: np.random.Generator) -> Wiring:
    """Independent random pairs of distinct inputs."""
    _check(n_in, n_out)
    return _as_arrays(_pairs(rng, n_in, n_out))


def tree(n_in: int, n_out: int, rng: np.random.Generator | None = None) -> Wiring:
    """Gate ``k`` reads inputs ``2k`` and ``2k + 1`` (modulo ``n_in``)."""
    _check(n_in, n_out)
    if n_in == 1:
        return _as_arrays([(0, 0)] * n_out)
    k = np.arange(n_out)
    return ((2 * k) % n_in).astype(np.int32), ((2 * k + 1) % n_in).astype(np.int32)


def unique(n_in: int, n_out: int, rng: np.random.Generator) -> Wiring:
    """The DiffLogic scheme: evens, odds, random padding; truncated, then shuffled."""
    _check(n_in, n_out)
    if n_in == 1:
        return _as_arrays([(0, 0)] * n_out)
    pairs = [(i, i + 1) for i in range(0, n_in - 1, 2)]
    if n_in % 2:  # the last input has no even partner: pair it so it is still read
        pairs.append((n_in - 1, n_in - 2))
    pairs += [(i, i + 1) for i in range(1, n_in - 1, 2)]
    if len(pairs) < n_out:
        pairs += _pairs(rng, n_in, n_out - len(pairs))
    pairs = pairs[:n_out]
    perm = rng.permutation(n_out)
    return _as_arrays([pairs[i] for i in perm])


def expand(n_in: int, n_out: int, rng: np.random.Generator) -> Wiring:
    """Every unordered input pair, shuffled, repeated until ``n_out`` gates are wired."""
    _check(n_in, n_out)
    if n_in == 1:
        return _as_arrays([(0, 0)] * n_out)
    all_pairs = list(itertools.combinations(range(n_in), 2))
    out: list[tuple[int, int]] = []
    while len(out) < n_out:
        perm = rng.permutation(len(all_pairs))
        out += [all_pairs[i] for i in perm]
    return _as_arrays(out[:n_out])


def make(scheme: str, n_in: int, n_out: int, rng: np.random.Generator) -> Wiring:
    """Wire one layer with the named scheme; ``auto`` expands wide layers, else ``unique``."""
    if scheme == "auto":
        scheme = "expand" if n_out > n_in else "unique"
    if scheme == "random":
        return random_pairs(n_in, n_out, rng)
    if scheme == "tree":
        return tree(n_in, n_out, rng)
    if scheme == "unique":
        return unique(n_in, n_out, rng)
    if scheme == "expand":
        return expand(n_in, n_out, rng)
    raise ValueError(f"unknown wiring scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")


def coverage(wiring: Wiring, n_in: int) -> float:
    """Fraction of the ``n_in`` inputs that at least one gate reads."""
    a, b = wiring
    return len(set(a.tolist()) | set(b.tolist())) / n_in


def distinct_pairs(wiring: Wiring) -> int:
    """How many different unordered input pairs the layer's gates read.

    For an expanding first layer (9 → 128) this is what matters: a gate can only learn a
    function of a pair it sees, and 9 inputs make 36 pairs.
    """
    a, b = wiring
    return len({tuple(sorted(p)) for p in zip(a.tolist(), b.tolist(), strict=True)})
