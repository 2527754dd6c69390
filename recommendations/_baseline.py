"""Plain baseline algorithms (cosine item-kNN, popularity) on a scipy.sparse owner x item matrix.

Private stand-in used by recommendations.rebuild until recommendations/algorithms.py (the
evaluated algorithms) is wired in there; no ORM here. Neighbour lists are `[(item, score), ...]`
per item index, best first.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

Neighbours = list[list[tuple[int, float]]]


def item_cosine(matrix: sp.csr_matrix, *, k: int, shrink: float = 5.0) -> Neighbours:
    """The k items closest to each item by cosine of their owner columns, damped by `shrink`
    (few co-occurrences count less)."""
    x = sp.csr_matrix(matrix, dtype=np.float64)
    x.data = np.log1p(x.data)
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel())
    co = (x.T @ x).tocsr()
    out: Neighbours = []
    for i in range(co.shape[0]):
        start, end = co.indptr[i], co.indptr[i + 1]
        cols, vals = co.indices[start:end], co.data[start:end]
        keep = cols != i
        cols, vals = cols[keep], vals[keep]
        if cols.size == 0:
            out.append([])
            continue
        scores = vals / (norms[i] * norms[cols] + shrink)
        order = np.lexsort((cols, -scores))[:k]
        out.append([(int(cols[j]), float(scores[j])) for j in order])
    return out


def popularity(matrix: sp.csr_matrix) -> np.ndarray:
    """How much behaviour each item had (column sums)."""
    return np.asarray(matrix.sum(axis=0)).ravel()


def similar(
    behaviour: Neighbours, categories: np.ndarray, pop: np.ndarray, *, k: int
) -> Neighbours:
    """Behaviour neighbours in the same category first, then the category's most popular items:
    never empty for an item whose category has other items."""
    by_category: dict[int, list[int]] = {}
    for item in np.lexsort((np.arange(pop.size), -pop)):
        by_category.setdefault(int(categories[item]), []).append(int(item))
    out: Neighbours = []
    for i, neighbours in enumerate(behaviour):
        same = [(j, 1.0 + s) for j, s in neighbours if categories[j] == categories[i]]
        seen = {j for j, _ in same} | {i}
        peers = by_category[int(categories[i])]
        fill = [j for j in peers[: k + len(seen)] if j not in seen][: max(0, k - len(same))]
        out.append(same[:k] + [(j, 1.0 / (2 + r)) for r, j in enumerate(fill)])
    return out


def trending(
    items: np.ndarray, weights: np.ndarray, ages_days: np.ndarray, *, days: int, n_items: int
) -> np.ndarray:
    """Behaviour of the last `days`, each event worth less with age (half-life: half the window)."""
    recent = ages_days < days
    decay = np.power(0.5, ages_days[recent] / max(days / 2, 0.5))
    return np.bincount(items[recent], weights=weights[recent] * decay, minlength=n_items)


def for_you(
    row: sp.csr_matrix, neighbours: Neighbours, *, exclude: set[int], k: int
) -> list[tuple[int, float, int]]:
    """(item, score, because-of item): items near what the owner did, weighted by what they did."""
    scores: dict[int, float] = {}
    best: dict[int, tuple[float, int]] = {}
    for i, w in zip(row.indices, row.data, strict=True):
        for j, s in neighbours[int(i)]:
            if j in exclude:
                continue
            gain = float(w) * s
            scores[j] = scores.get(j, 0.0) + gain
            if gain > best.get(j, (0.0, -1))[0]:
                best[j] = (gain, int(i))
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return [(j, s, best[j][1]) for j, s in ranked]
