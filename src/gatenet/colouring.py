"""Exact minimum colouring of small conflict graphs.

Two questions of the pipeline are the same graph problem: how few codes a row needs, so
that triples sharing a code never change the rule's answer (:mod:`gatenet.learn.separable`),
and how few classes the columns of a decomposition chart fall into, so that pairs of rows
sharing a code never change the combine circuit's answer (:mod:`gatenet.synth.pairing`).
Both graphs have at most a few dozen nodes, so plain backtracking with a bound finds the
optimum at once, and an exact answer is what both need: the number of classes sets a
circuit's width.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


def min_colouring(order: Sequence[int], clash: Callable[[int, int], bool]) -> list[list[int]]:
    """The fewest groups of the nodes in ``order`` with no two clashing nodes in one group.

    Nodes are placed in ``order`` (put the most constrained first: the bound then cuts
    early), each into the first groups it fits, then into a new group; a branch stops as
    soon as it has as many groups as the best found. Returns the first minimum colouring
    found, each group's members in placement order. ``clash`` must be symmetric.
    """
    nodes = list(order)
    best: list[list[int]] = [[n] for n in nodes]

    def place(i: int, groups: list[list[int]]) -> None:
        nonlocal best
        if len(groups) >= len(best):
            return
        if i == len(nodes):
            best = [list(g) for g in groups]
            return
        n = nodes[i]
        for g in groups:
            if not any(clash(n, m) for m in g):
                g.append(n)
                place(i + 1, groups)
                g.pop()
        groups.append([n])
        place(i + 1, groups)
        groups.pop()

    place(0, [])
    return best
