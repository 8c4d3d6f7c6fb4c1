"""min_colouring is exact: checked against brute force on every small graph hypothesis draws."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from gatenet.colouring import min_colouring


def chromatic_number(n: int, edges: set[tuple[int, int]]) -> int:
    """The fewest colours, by trying every assignment of k colours for growing k."""
    for k in range(1, n + 1):
        for colours in itertools.product(range(k), repeat=n):
            if all(colours[a] != colours[b] for a, b in edges):
                return k
    return max(n, 0)


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 7))
    pairs = list(itertools.combinations(range(n), 2))
    edges = {p for p in pairs if draw(st.booleans())}
    order = draw(st.permutations(range(n)))
    return n, edges, order


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_the_colouring_is_a_minimum_partition_without_clashes(graph) -> None:
    n, edges, order = graph
    clash = lambda a, b: (min(a, b), max(a, b)) in edges  # noqa: E731
    groups = min_colouring(order, clash)
    assert sorted(x for g in groups for x in g) == list(range(n))  # every node, once
    assert not any(clash(a, b) for g in groups for a, b in itertools.combinations(g, 2))
    assert len(groups) == chromatic_number(n, edges)


def test_small_cases() -> None:
    assert min_colouring([], lambda a, b: True) == []
    assert min_colouring([3], lambda a, b: True) == [[3]]
    assert min_colouring([0, 1, 2], lambda a, b: False) == [[0, 1, 2]]  # one group, in order
    assert len(min_colouring(range(5), lambda a, b: a != b)) == 5  # a clique
    odd_cycle = {(i, (i + 1) % 5) for i in range(5)}
    assert len(min_colouring(range(5), lambda a, b: (a, b) in odd_cycle
                             or (b, a) in odd_cycle)) == 3
