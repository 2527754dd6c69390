"""Recommendation algorithms: pure functions on a scipy.sparse user x item matrix.

No ORM and no Django here, so the shop (the rebuild task) and the offline evaluation
(`manage.py recommendations_evaluate`, recommendations/evaluation.py) run the same code. Items and users
are dense indices 0..n-1 that the caller maps to and from product / user ids.

Interface (what the serving side calls)
---------------------------------------
Input matrix: `interaction_matrix(users, items, weights, shape=(n_users, n_items))` -> CSR float32, one
row per user, duplicate (user, item) pairs summed (pass the event weights from settings).

Fit (each returns a frozen dataclass of numpy arrays, picklable):
- `fit_popularity(matrix) -> Popularity`                        .scores[item]
- `fit_item_knn(matrix, k=, shrink=, alpha=) -> ItemNeighbours`  also-bought (fit it on purchases and
  cart adds) and the item-kNN half of for-you. `.indices[item]` / `.scores[item]` are the top-k
  neighbours, best first, padded with -1 / 0; `.neighbours(item)` lists (item, score).
- `fit_similar(ItemFeatures(...), behaviour=ItemNeighbours | None, k=) -> ItemNeighbours`  content
  similarity (category tree, brand, price band, attributes, TF-IDF over both languages' names and
  descriptions), blended with behaviour; never empty for an item whose category has other items.
- `fit_trending(items, timestamps, weights, n_items=, now=, window=, half_life=) -> Trending`
  .scores[item] (time-decayed, boosted by growth versus the previous window), `.top(n)`.
- `fit_ease(matrix, l2=, max_items=) -> EaseModel` and `fit_for_you(matrix, fallback=) -> ForYouModel`
  (EASE + item-kNN blend, parameters chosen by the evaluation: see recommendations/README.md; pass
  `fallback=fit_trending(...).scores` so that new users get trending, else popularity).
  EASE holds a dense min(n_items, 8000)^2 float32 matrix (256 MB at 8,000 items; ~15-35 s to fit on
  2 cores): compute the users' lists at rebuild time and store the lists, not the model.
  ItemNeighbours, Popularity and Trending are small enough to store as they are.

Serve:
- `recommend(model, history_items, history_weights=None, n=, exclude=()) -> list[Recommendation]`
  for any model above (ForYouModel, EaseModel, ItemNeighbours, Popularity, Trending). History is the
  user's items oldest first; `history_weights` defaults to `recency_weights(len(history))` for the
  for-you models (recent behaviour counts more). `exclude` holds what the user already bought (the
  history itself is always excluded). Only items with a positive score are returned, so a list may be
  shorter than `n`. Each `Recommendation(item, score, reason)`: `reason` is the
  history item that contributed most ("because you viewed <reason>"; the caller words it), -1 when the
  item comes from the popularity / trending fallback (new users get only those).
- `score_users(model, rows) -> ndarray (n_rows, n_items)` batch scoring (the evaluation uses it).

Inactive or out-of-stock products are the caller's to filter: ask for a few more than you show.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.linalg as sla
import scipy.sparse as sp

FloatArray: TypeAlias = npt.NDArray[np.float32]
IntArray: TypeAlias = npt.NDArray[np.int32]

__all__ = [
    "EaseModel",
    "ForYouModel",
    "ItemFeatures",
    "ItemNeighbours",
    "Popularity",
    "Recommendation",
    "Trending",
    "fit_ease",
    "fit_for_you",
    "fit_item_knn",
    "fit_popularity",
    "fit_similar",
    "fit_trending",
    "interaction_matrix",
    "recency_weights",
    "recommend",
    "score_users",
    "tfidf_matrix",
    "tokenize",
]


# Chosen on the validation split of the Amazon Games data (recommendations/README.md).
FOR_YOU_HALF_LIFE = 2.0  # the user's history weighs half as much every 2 items back
ALSO_BOUGHT_SHRINK = 100.0  # fit_item_knn(shrink=) for also-bought


class Recommendation(NamedTuple):
    item: int
    score: float
    reason: int  # history item that contributed most, -1 for the popularity / trending fallback


# --------------------------------------------------------------------------------------------------
# Input


def interaction_matrix(
    users: npt.ArrayLike,
    items: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
    *,
    shape: tuple[int, int],
) -> sp.csr_matrix:
    """User x item CSR float32 matrix; repeated (user, item) pairs add up."""
    u = np.asarray(users, dtype=np.int64)
    i = np.asarray(items, dtype=np.int64)
    w = np.ones(len(u), dtype=np.float32) if weights is None else np.asarray(weights, np.float32)
    m = sp.csr_matrix((w, (u, i)), shape=shape, dtype=np.float32)
    m.sum_duplicates()
    m.sort_indices()
    return m


def _binary(matrix: sp.spmatrix) -> sp.csr_matrix:
    m = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    m.data[:] = 1.0
    m.eliminate_zeros()
    return m


def recency_weights(
    length: int, *, half_life: float = FOR_YOU_HALF_LIFE, floor: float = 0.0
) -> FloatArray:
    """Weights for a history of `length` items ordered oldest first: the newest weighs 1 and the weight
    halves every `half_life` items back (never below `floor`). `half_life <= 0` means all 1."""
    if length <= 0:
        return np.zeros(0, dtype=np.float32)
    if half_life <= 0:
        return np.ones(length, dtype=np.float32)
    age = np.arange(length - 1, -1, -1, dtype=np.float64)
    w = np.maximum(np.power(0.5, age / half_life), floor)
    return w.astype(np.float32)


# --------------------------------------------------------------------------------------------------
# Models


@dataclass(frozen=True)
class Popularity:
    scores: FloatArray  # (n_items,)

    @property
    def n_items(self) -> int:
        return int(self.scores.shape[0])


@dataclass(frozen=True)
class Trending:
    scores: FloatArray  # (n_items,) decayed recent weight x growth boost; 0 = nothing recent
    growth: FloatArray  # (n_items,) smoothed ratio of this window's weight to the previous one's

    @property
    def n_items(self) -> int:
        return int(self.scores.shape[0])

    def top(self, n: int) -> list[int]:
        order = np.argsort(-self.scores, kind="stable")[:n]
        return [int(i) for i in order if self.scores[i] > 0]


@dataclass(frozen=True)
class ItemNeighbours:
    indices: IntArray  # (n_items, k) neighbour items, best first, -1 padded
    scores: FloatArray  # (n_items, k) similarities, 0 padded

    @property
    def n_items(self) -> int:
        return int(self.indices.shape[0])

    def neighbours(self, item: int) -> list[tuple[int, float]]:
        idx = self.indices[item]
        keep = idx >= 0
        return [(int(i), float(s)) for i, s in zip(idx[keep], self.scores[item][keep], strict=True)]

    def as_matrix(self) -> sp.csr_matrix:
        """(n_items, n_items) CSR: row i holds i's neighbours."""
        n, k = self.indices.shape
        rows = np.repeat(np.arange(n, dtype=np.int64), k)
        cols = self.indices.ravel().astype(np.int64)
        vals = self.scores.ravel()
        keep = cols >= 0
        return sp.csr_matrix((vals[keep], (rows[keep], cols[keep])), shape=(n, n), dtype=np.float32)


@dataclass(frozen=True)
class EaseModel:
    """EASE (Steck 2019) on the `items` most frequent items: `weights` is B restricted to them."""

    items: IntArray  # (m,) item indices the model covers, ascending
    weights: FloatArray  # (m, m), zero diagonal
    n_items: int


@dataclass(frozen=True)
class ForYouModel:
    """Blend: ease_weight * EASE + knn_weight * item-kNN (each normalised per user to max 1), plus
    `fallback` (popularity or trending, normalised to max 1) scaled by `fallback_weight`, which orders
    the tail and is all a user without history gets."""

    ease: EaseModel | None
    knn: ItemNeighbours | None
    fallback: FloatArray  # (n_items,)
    ease_weight: float = 1.0
    knn_weight: float = 0.0
    fallback_weight: float = 0.02
    half_life: float = FOR_YOU_HALF_LIFE  # recency_weights() for histories passed without weights
    knn_matrix: sp.csr_matrix | None = field(default=None, compare=False, repr=False)

    @property
    def n_items(self) -> int:
        return int(self.fallback.shape[0])


Model: TypeAlias = ForYouModel | EaseModel | ItemNeighbours | Popularity | Trending


# --------------------------------------------------------------------------------------------------
# Fitting


def fit_popularity(matrix: sp.spmatrix) -> Popularity:
    """Number of users per item."""
    counts = np.asarray(_binary(matrix).sum(axis=0)).ravel().astype(np.float32)
    return Popularity(scores=counts)


def _top_k_rows(sim: sp.csr_matrix, k: int) -> tuple[IntArray, FloatArray]:
    n = sim.shape[0]
    indices = np.full((n, k), -1, dtype=np.int32)
    scores = np.zeros((n, k), dtype=np.float32)
    indptr, cols, data = sim.indptr, sim.indices, sim.data
    for row in range(n):
        start, end = indptr[row], indptr[row + 1]
        if start == end:
            continue
        d = data[start:end]
        c = cols[start:end]
        if end - start > k:
            part = np.argpartition(-d, k - 1)[:k]
            d, c = d[part], c[part]
        # best first; ties by item index so results are deterministic
        order = np.lexsort((c, -d))
        keep = d[order] > 0
        top = order[keep]
        indices[row, : len(top)] = c[top]
        scores[row, : len(top)] = d[top]
    return indices, scores


def fit_item_knn(
    matrix: sp.spmatrix,
    *,
    k: int = 50,
    shrink: float = 10.0,
    alpha: float = 0.5,
    binary: bool = True,
) -> ItemNeighbours:
    """Item-item collaborative filtering (co-occurrence in users' rows).

    sim(i, j) = c_ij / (n_i ** alpha * n_j ** (1 - alpha) + shrink), c_ij the co-occurrence
    (sum over users of x_ui * x_uj), n_i = c_ii. alpha = 0.5 is cosine; alpha < 0.5 damps popular
    neighbours j more (asymmetric cosine); `shrink` pulls similarities resting on few users down.
    Row i keeps its k best neighbours.
    """
    x = _binary(matrix) if binary else sp.csr_matrix(matrix, dtype=np.float32)
    xc = x.tocsc()
    co = (xc.T @ xc).tocsr().astype(np.float32)
    norms = co.diagonal().astype(np.float64)
    co.setdiag(0)
    co.eliminate_zeros()
    rows = np.repeat(np.arange(co.shape[0]), np.diff(co.indptr))
    denom = np.power(norms[rows], alpha) * np.power(norms[co.indices], 1.0 - alpha) + shrink
    co.data = (co.data / np.maximum(denom, 1e-12)).astype(np.float32)
    indices, scores = _top_k_rows(co, k)
    return ItemNeighbours(indices=indices, scores=scores)


def fit_ease(
    matrix: sp.spmatrix,
    *,
    l2: float = 200.0,
    max_items: int = 8000,
    min_users: int = 2,
    binary: bool = True,
) -> EaseModel:
    """EASE: B = I - P diag(1/diag(P)), P = (X'X + l2 I)^-1, diag(B) = 0.

    The dense m x m inverse costs m^2 x 4 bytes and ~m^3 flops, so the model covers at most
    `max_items` items (the most frequent, with at least `min_users` users); the others get no EASE
    score (the blend's item-kNN and fallback cover them).
    """
    x = _binary(matrix) if binary else sp.csr_matrix(matrix, dtype=np.float32)
    n_items = x.shape[1]
    counts = np.asarray((x != 0).sum(axis=0)).ravel()
    candidates = np.flatnonzero(counts >= min_users)
    if len(candidates) > max_items:
        order = np.argsort(-counts[candidates], kind="stable")[:max_items]
        candidates = candidates[order]
    items = np.sort(candidates).astype(np.int32)
    m = len(items)
    if m == 0:
        return EaseModel(items=items, weights=np.zeros((0, 0), np.float32), n_items=n_items)
    xs = x[:, items].tocsc()
    gram = (xs.T @ xs).toarray().astype(np.float32, copy=False)
    gram[np.diag_indices(m)] += np.float32(l2)
    # Cholesky inverse in place (LAPACK potrf + potri on the Fortran view: no m x m copy).
    f = gram.T
    chol, info = sla.lapack.spotrf(f, lower=0, overwrite_a=1, clean=0)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE: Gram matrix not positive definite (potrf {info})")
    inv, info = sla.lapack.spotri(chol, lower=0, overwrite_c=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"EASE: inversion failed (potri {info})")
    # potri filled the upper triangle of the Fortran array: mirror it block by block.
    p = inv
    block = 1024
    for start in range(0, m, block):
        stop = min(start + block, m)
        diag_block = p[start:stop, start:stop]
        p[start:stop, start:stop] = np.triu(diag_block) + np.triu(diag_block, 1).T
        if stop < m:
            p[stop:, start:stop] = p[start:stop, stop:].T
    # symmetric now, so its C-ordered transpose (the `gram` buffer again) is the same matrix: scale
    # the columns there to keep B C-contiguous (sparse row x B reads B by rows)
    b = p.T
    d = np.diagonal(b).copy()
    b /= -d[np.newaxis, :]
    b[np.diag_indices(m)] = 0.0
    return EaseModel(items=items, weights=b, n_items=n_items)


def fit_for_you(
    matrix: sp.spmatrix,
    *,
    ease_l2: float = 200.0,
    ease_max_items: int = 8000,
    knn_k: int = 100,
    knn_shrink: float = 50.0,
    knn_alpha: float = 0.5,
    ease_weight: float = 1.0,
    knn_weight: float = 0.25,
    fallback_weight: float = 0.02,
    half_life: float = FOR_YOU_HALF_LIFE,
    fallback: FloatArray | None = None,
) -> ForYouModel:
    """The for-you blend with the parameters chosen by the offline evaluation (README). `fallback`
    defaults to popularity; pass trending scores to make new users see trending items."""
    ease = fit_ease(matrix, l2=ease_l2, max_items=ease_max_items) if ease_weight > 0 else None
    knn = (
        fit_item_knn(matrix, k=knn_k, shrink=knn_shrink, alpha=knn_alpha)
        if knn_weight > 0
        else None
    )
    fb = fit_popularity(matrix).scores if fallback is None else np.asarray(fallback, np.float32)
    return ForYouModel(
        ease=ease,
        knn=knn,
        fallback=fb,
        ease_weight=ease_weight,
        knn_weight=knn_weight,
        fallback_weight=fallback_weight,
        half_life=half_life,
        knn_matrix=knn.as_matrix() if knn is not None else None,
    )


def fit_trending(
    items: npt.ArrayLike,
    timestamps: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
    *,
    n_items: int,
    now: float,
    window: float = 7 * 86400.0,
    half_life: float | None = None,
    growth_weight: float = 0.5,
    prior: float = 3.0,
) -> Trending:
    """Trending items from events (item, timestamp in seconds, weight).

    current = sum over events in (now - window, now] of weight * 0.5 ** ((now - t) / half_life)
    (half_life defaults to window / 2); growth = (raw current + prior) / (raw previous + prior), raw
    meaning undecayed weight and previous the window before; score = current * growth ** growth_weight.
    """
    it = np.asarray(items, dtype=np.int64)
    ts = np.asarray(timestamps, dtype=np.float64)
    w = np.ones(len(it), np.float64) if weights is None else np.asarray(weights, np.float64)
    hl = window / 2.0 if half_life is None else half_life
    age = now - ts
    cur = (age >= 0) & (age < window)
    prev = (age >= window) & (age < 2 * window)
    decayed = np.bincount(it[cur], w[cur] * np.power(0.5, age[cur] / hl), minlength=n_items)
    raw_cur = np.bincount(it[cur], w[cur], minlength=n_items)
    raw_prev = np.bincount(it[prev], w[prev], minlength=n_items)
    growth = (raw_cur + prior) / (raw_prev + prior)
    scores = decayed * np.power(growth, growth_weight)
    return Trending(scores=scores.astype(np.float32), growth=growth.astype(np.float32))


# --------------------------------------------------------------------------------------------------
# Content similarity


_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0xF900 <= code <= 0xFAFF
    )


def tokenize(text: str) -> list[str]:
    """Lower-case words for alphabetic scripts; for Chinese (no spaces) character unigrams and
    bigrams of each run of CJK characters."""
    tokens: list[str] = []
    for word in _WORD.findall(unicodedata.normalize("NFKC", text).lower()):
        for is_cjk, group in itertools.groupby(word, key=_is_cjk):
            chars = list(group)
            if is_cjk:
                tokens.extend(chars)
                tokens.extend(a + b for a, b in itertools.pairwise(chars))
            else:
                tokens.append("".join(chars))
    return tokens


def tfidf_matrix(texts: Sequence[str]) -> sp.csr_matrix:
    """Rows L2-normalised TF-IDF (sublinear tf 1 + log tf, smoothed idf log((1 + N) / (1 + df)) + 1)."""
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, text in enumerate(texts):
        counts: dict[int, int] = {}
        for tok in tokenize(text or ""):
            c = vocab.setdefault(tok, len(vocab))
            counts[c] = counts.get(c, 0) + 1
        for c, tf in counts.items():
            rows.append(r)
            cols.append(c)
            vals.append(1.0 + math.log(tf))
    n = len(texts)
    m = sp.csr_matrix((vals, (rows, cols)), shape=(n, len(vocab)), dtype=np.float32)
    df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=len(vocab))
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    m = m @ sp.diags(idf)
    return _l2_rows(sp.csr_matrix(m))


def _l2_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags((1.0 / norms).astype(np.float32)) @ m, dtype=np.float32)


def _one_hot(labels: Sequence[Iterable[str]], n: int) -> sp.csr_matrix:
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, labs in enumerate(labels):
        for lab in labs:
            rows.append(r)
            cols.append(vocab.setdefault(lab, len(vocab)))
            vals.append(1.0)
    m = sp.csr_matrix((vals, (rows, cols)), shape=(n, len(vocab)), dtype=np.float32)
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


@dataclass(frozen=True)
class ItemFeatures:
    """Content of each item, index-aligned. `category_paths[i]` is the category ids from the root down
    to the item's category; `texts[i]` the names and descriptions in every language, joined;
    `attributes[i]` strings like "colour=red"; `prices[i]` NaN when unknown; `popularity[i]` orders
    the same-category fallback (sales, views)."""

    category_paths: Sequence[Sequence[int]]
    brands: Sequence[str | None]
    prices: Sequence[float]
    attributes: Sequence[Iterable[str]]
    texts: Sequence[str]
    popularity: Sequence[float] | None = None


SIMILAR_WEIGHTS: dict[str, float] = {
    "category": 0.35,
    "brand": 0.15,
    "price": 0.10,
    "attributes": 0.10,
    "text": 0.30,
}


def _price_bands(prices: Sequence[float], n: int, ratio: float = 1.5) -> sp.csr_matrix:
    """Log-price bands of width `ratio`: an item is in its band and, at half strength, the adjacent
    ones, so near prices across a band edge still match."""
    p = np.asarray(prices, dtype=np.float64)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r in range(n):
        if not np.isfinite(p[r]) or p[r] <= 0:
            continue
        band = math.floor(math.log(p[r]) / math.log(ratio)) + 1000
        for off, v in ((0, 1.0), (-1, 0.5), (1, 0.5)):
            rows.append(r)
            cols.append(band + off)
            vals.append(v)
    width = (max(cols) + 1) if cols else 0
    return _l2_rows(sp.csr_matrix((vals, (rows, cols)), shape=(n, width), dtype=np.float32))


def _category_features(paths: Sequence[Sequence[int]], n: int) -> sp.csr_matrix:
    """Each ancestor of the item's category is a feature, deeper levels weighing more, so the cosine
    of two items grows with the depth of their closest common category (tree distance)."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    vocab: dict[int, int] = {}
    for r, path in enumerate(paths):
        for depth, cat in enumerate(path, start=1):
            rows.append(r)
            cols.append(vocab.setdefault(int(cat), len(vocab)))
            vals.append(float(depth))
    m = sp.csr_matrix((vals, (rows, cols)), shape=(n, len(vocab)), dtype=np.float32)
    return _l2_rows(m)


def content_features(
    features: ItemFeatures, weights: dict[str, float] | None = None
) -> sp.csr_matrix:
    """Stacked per-component L2-normalised features, each scaled by sqrt(weight): the dot product of
    two rows is the weighted sum of the component cosines."""
    w = SIMILAR_WEIGHTS | (weights or {})
    n = len(features.category_paths)
    parts = {
        "category": _category_features(features.category_paths, n),
        "brand": _one_hot([[b] if b else [] for b in features.brands], n),
        "price": _price_bands(features.prices, n),
        "attributes": _l2_rows(_one_hot(features.attributes, n)),
        "text": tfidf_matrix(features.texts),
    }
    blocks = [parts[name] * np.float32(math.sqrt(w[name])) for name in parts if w.get(name, 0) > 0]
    return sp.csr_matrix(sp.hstack(blocks, format="csr"), dtype=np.float32)


def fit_similar(
    features: ItemFeatures,
    *,
    behaviour: ItemNeighbours | None = None,
    behaviour_weight: float = 0.3,
    k: int = 20,
    weights: dict[str, float] | None = None,
    block: int = 256,
) -> ItemNeighbours:
    """Content similarity (see `content_features`) blended with behaviour: similarity =
    (1 - behaviour_weight) * content + behaviour_weight * behaviour-similarity (normalised so each
    item's best behaviour neighbour has 1), for items that have behaviour neighbours. Slots still
    free are filled with items of the same category by popularity, so an item whose category has
    other items always has neighbours."""
    n = len(features.category_paths)
    f = content_features(features, weights)
    ft = sp.csr_matrix(f.T)
    beh: sp.csr_matrix | None = None
    if behaviour is not None and behaviour.n_items == n:
        beh = behaviour.as_matrix()
        row_max = np.zeros(n, np.float32)
        row_max[:] = behaviour.scores[:, 0] if behaviour.scores.shape[1] else 0
        row_max[row_max <= 0] = 1.0
        beh = sp.csr_matrix(sp.diags(1.0 / row_max) @ beh, dtype=np.float32)
    popularity = (
        np.zeros(n, np.float64) if features.popularity is None else np.asarray(features.popularity)
    )
    leaf = [int(p[-1]) if len(p) else -1 for p in features.category_paths]
    by_category: dict[int, list[int]] = {}
    for i in np.lexsort((np.arange(n), -popularity)):
        by_category.setdefault(leaf[i], []).append(int(i))

    indices = np.full((n, k), -1, dtype=np.int32)
    scores = np.zeros((n, k), dtype=np.float32)
    for start in range(0, n, block):
        stop = min(start + block, n)
        sim = np.asarray((f[start:stop] @ ft).todense(), dtype=np.float32)
        if beh is not None:
            has = np.asarray(beh[start:stop].getnnz(axis=1)) > 0
            b = np.asarray(beh[start:stop].todense(), dtype=np.float32)
            sim[has] = (1 - behaviour_weight) * sim[has] + behaviour_weight * b[has]
        sim[np.arange(stop - start), np.arange(start, stop)] = 0.0
        for r in range(stop - start):
            item = start + r
            row = sim[r]
            cand = np.flatnonzero(row > 0)
            if len(cand) > k:
                cand = cand[np.argpartition(-row[cand], k - 1)[:k]]
            cand = cand[np.lexsort((cand, -row[cand]))]
            chosen = [int(c) for c in cand]
            if len(chosen) < k and leaf[item] >= 0:
                taken = set(chosen)
                taken.add(item)
                for other in by_category.get(leaf[item], []):
                    if len(chosen) >= k:
                        break
                    if other not in taken:
                        chosen.append(other)
                        taken.add(other)
            indices[item, : len(chosen)] = chosen
            # fallback fills score just below the weakest content neighbour
            floor = float(row[cand].min()) if len(cand) else 1e-3
            scores[item, : len(chosen)] = [
                row[c] if row[c] > 0 else floor * 0.5 / (1 + j) for j, c in enumerate(chosen)
            ]
    return ItemNeighbours(indices=indices, scores=scores)


# --------------------------------------------------------------------------------------------------
# Scoring


def _normalise_rows(scores: FloatArray) -> FloatArray:
    top = scores.max(axis=1, keepdims=True) if scores.shape[1] else np.zeros((len(scores), 1))
    top[top <= 0] = 1.0
    out: FloatArray = (scores / top).astype(np.float32)
    return out


def _ease_scores(model: EaseModel, rows: sp.csr_matrix) -> FloatArray:
    out = np.zeros((rows.shape[0], model.n_items), dtype=np.float32)
    if len(model.items):
        sub = sp.csr_matrix(rows[:, model.items], dtype=np.float32)
        out[:, model.items] = np.asarray(sub @ model.weights, dtype=np.float32)
    return out


def _knn_scores(
    neighbours: ItemNeighbours, rows: sp.csr_matrix, matrix: sp.csr_matrix | None = None
) -> FloatArray:
    s = neighbours.as_matrix() if matrix is None else matrix
    return np.asarray((rows @ s).toarray(), dtype=np.float32)


def score_users(model: Model, rows: sp.spmatrix) -> FloatArray:
    """Scores (n_rows, n_items) for users given as weighted history rows (CSR, n_items wide). Items in
    the rows themselves are not masked: the caller excludes them."""
    r = sp.csr_matrix(rows, dtype=np.float32)
    if isinstance(model, Popularity | Trending):
        return np.tile(model.scores.astype(np.float32), (r.shape[0], 1))
    if isinstance(model, EaseModel):
        return _ease_scores(model, r)
    if isinstance(model, ItemNeighbours):
        return _knn_scores(model, r)
    total = np.zeros((r.shape[0], model.n_items), dtype=np.float32)
    if model.ease is not None and model.ease_weight:
        total += model.ease_weight * _normalise_rows(_ease_scores(model.ease, r))
    if model.knn is not None and model.knn_weight:
        total += model.knn_weight * _normalise_rows(_knn_scores(model.knn, r, model.knn_matrix))
    if model.fallback_weight:
        fb = model.fallback.astype(np.float32)
        top = float(fb.max()) if len(fb) else 0.0
        total += model.fallback_weight * (fb / top if top > 0 else fb)[np.newaxis, :]
    return total


def _contributions(
    model: Model, items: IntArray, weights: FloatArray, targets: IntArray
) -> FloatArray:
    """(len(items), len(targets)): how much each history item added to each target's score."""
    c = np.zeros((len(items), len(targets)), dtype=np.float32)
    if isinstance(model, ItemNeighbours):
        return (weights[:, None] * _dense_pairs(model.as_matrix(), items, targets)).astype(
            np.float32
        )
    if isinstance(model, EaseModel):
        return (weights[:, None] * _ease_pairs(model, items, targets)).astype(np.float32)
    if isinstance(model, ForYouModel):
        row = sp.csr_matrix(
            (weights, (np.zeros(len(items), np.int64), items.astype(np.int64))),
            shape=(1, model.n_items),
            dtype=np.float32,
        )
        if model.ease is not None and model.ease_weight:
            e = _ease_scores(model.ease, row)
            scale = float(e.max()) if e.size and e.max() > 0 else 1.0
            c += (
                model.ease_weight
                / scale
                * weights[:, None]
                * _ease_pairs(model.ease, items, targets)
            )
        if model.knn is not None and model.knn_weight:
            mat = model.knn_matrix if model.knn_matrix is not None else model.knn.as_matrix()
            kn = _knn_scores(model.knn, row, mat)
            scale = float(kn.max()) if kn.size and kn.max() > 0 else 1.0
            c += model.knn_weight / scale * weights[:, None] * _dense_pairs(mat, items, targets)
    return c


def _dense_pairs(mat: sp.csr_matrix, items: IntArray, targets: IntArray) -> FloatArray:
    return np.asarray(mat[items][:, targets].toarray(), dtype=np.float32)


def _ease_pairs(model: EaseModel, items: IntArray, targets: IntArray) -> FloatArray:
    out = np.zeros((len(items), len(targets)), dtype=np.float32)
    if len(model.items) == 0:
        return out
    last = len(model.items) - 1
    pos = np.minimum(np.searchsorted(model.items, items), last)
    tpos = np.minimum(np.searchsorted(model.items, targets), last)
    ok_i = np.flatnonzero(model.items[pos] == items)
    ok_t = np.flatnonzero(model.items[tpos] == targets)
    if len(ok_i) and len(ok_t):
        out[np.ix_(ok_i, ok_t)] = model.weights[np.ix_(pos[ok_i], tpos[ok_t])]
    return out


def recommend(
    model: Model,
    history_items: Sequence[int] | npt.ArrayLike,
    history_weights: Sequence[float] | npt.ArrayLike | None = None,
    *,
    n: int = 10,
    exclude: Iterable[int] = (),
) -> list[Recommendation]:
    """Top `n` items for one user (history oldest first), never an item of the history or `exclude`.

    An empty history gets the popularity / trending fallback (reason -1). For ItemNeighbours models
    (also-bought, similar) pass the item(s) viewed as the history."""
    items = np.asarray(history_items, dtype=np.int32).ravel()
    n_items = model.n_items
    if history_weights is None:
        half_life = model.half_life if isinstance(model, ForYouModel) else 0.0
        weights = recency_weights(len(items), half_life=half_life)
    else:
        weights = np.asarray(history_weights, dtype=np.float32).ravel()
    # one entry per item: the latest weight wins if an item repeats
    if len(items):
        last = {int(i): float(w) for i, w in zip(items, weights, strict=True)}
        items = np.fromiter(last.keys(), dtype=np.int32, count=len(last))
        weights = np.fromiter(last.values(), dtype=np.float32, count=len(last))
    row = sp.csr_matrix(
        (weights, (np.zeros(len(items), np.int64), items.astype(np.int64))),
        shape=(1, n_items),
        dtype=np.float32,
    )
    if len(items) == 0 and isinstance(model, ForYouModel):
        scores = model.fallback.astype(np.float32).copy()
    else:
        scores = score_users(model, row)[0]
    banned = np.zeros(n_items, dtype=bool)
    banned[items] = True
    ex = np.fromiter((int(e) for e in exclude), dtype=np.int64)
    ex = ex[(ex >= 0) & (ex < n_items)]
    banned[ex] = True
    scores = np.where(banned, -np.inf, scores)
    cand = np.flatnonzero(np.isfinite(scores) & (scores > 0))  # neighbours: only real ones
    if len(cand) > n:
        cand = cand[np.argpartition(-scores[cand], n - 1)[:n]]
    top: IntArray = cand[np.lexsort((cand, -scores[cand]))].astype(np.int32)
    reasons = np.full(len(top), -1, dtype=np.int64)
    if len(items) and len(top) and not isinstance(model, Popularity | Trending):
        contrib = _contributions(model, items, weights, top)
        best = contrib.argmax(axis=0)
        has = contrib[best, np.arange(len(top))] > 0
        reasons[has] = items[best[has]]
    return [
        Recommendation(int(i), float(scores[i]), int(r)) for i, r in zip(top, reasons, strict=True)
    ]
