"""Offline evaluation of recommendations/algorithms.py (no Django: the command only wires it up).

Protocol (../shared/data/amazon-games/README.md): every user with at least 3 interactions has the
last one (by timestamp, or by file order without timestamps) as the test item; the model is trained on
everything else (training + validation, and every interaction of the users with fewer than 3). Each
evaluated user's scores over ALL items are ranked, excluding the items of their training history; a
target tied with other items counts at its expected rank among them (greater + (equal - 1) / 2,
0-based), so ties are neither lucky nor unlucky. HR@K = share of targets ranked < K; NDCG@K = mean of
1 / log2(rank + 2) over those; coverage@K = share of the catalogue appearing in at least one user's
top K.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recommendations import algorithms as alg

MIN_INTERACTIONS = 3
Progress: TypeAlias = Callable[[Iterable[int], int, str], Iterator[int]]


@dataclass(frozen=True)
class Split:
    train: sp.csr_matrix  # (n_users, n_items) binary: all interactions but the test ones
    order_users: npt.NDArray[np.int64]  # training interactions sorted by user, then time
    order_items: npt.NDArray[np.int64]
    order_age: npt.NDArray[np.int64]  # 0 = the user's newest training interaction
    eval_users: npt.NDArray[np.int64]  # users evaluated (all with >= 3, or the sample)
    targets: npt.NDArray[np.int64]  # their test item
    n_users: int
    n_items: int

    def history_rows(self, users: npt.NDArray[np.int64], half_life: float) -> sp.csr_matrix:
        """History rows of `users` weighted by recency (alg.recency_weights), half_life 0 = binary."""
        if half_life > 0:
            w = np.power(0.5, self.order_age / half_life).astype(np.float32)
        else:
            w = np.ones(len(self.order_age), np.float32)
        full = sp.csr_matrix(
            (w, (self.order_users, self.order_items)),
            shape=(self.n_users, self.n_items),
            dtype=np.float32,
        )
        return sp.csr_matrix(full[users])

    def last_item_rows(self, users: npt.NDArray[np.int64]) -> sp.csr_matrix:
        newest = self.order_age == 0
        full = sp.csr_matrix(
            (
                np.ones(int(newest.sum()), np.float32),
                (self.order_users[newest], self.order_items[newest]),
            ),
            shape=(self.n_users, self.n_items),
            dtype=np.float32,
        )
        return sp.csr_matrix(full[users])


def read_interactions(path: str | Path) -> tuple[list[str], list[str], list[float] | None]:
    """`user item [timestamp]` per line, whitespace separated; ids are strings. Timestamps are used
    only if every line has one."""
    users: list[str] = []
    items: list[str] = []
    stamps: list[float] = []
    all_stamped = True
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            if len(parts) < 2:
                raise ValueError(f"{path}:{n}: expected 'user item [timestamp]'")
            users.append(parts[0])
            items.append(parts[1])
            if len(parts) >= 3 and all_stamped:
                try:
                    stamp = float(parts[2])
                except ValueError as exc:
                    raise ValueError(f"{path}:{n}: timestamp {parts[2]!r} is not a number") from exc
                if not math.isfinite(stamp):  # "nan" would sort anywhere, "inf" after everything
                    raise ValueError(f"{path}:{n}: timestamp {parts[2]!r} is not a finite number")
                stamps.append(stamp)
            else:
                all_stamped = False
    return users, items, (stamps if all_stamped and stamps else None)


def leave_last_out(
    users: list[str],
    items: list[str],
    timestamps: list[float] | None = None,
    *,
    sample_users: int | None = None,
    seed: int = 0,
    validation: bool = False,
) -> tuple[Split, list[str], list[str]]:
    """The split, with the user and item id lists (index -> id). `validation=True` is the tuning
    split: the test interactions are dropped and the one before each is the target."""
    user_ids, u = np.unique(np.asarray(users, dtype=object).astype(str), return_inverse=True)
    item_ids, i = np.unique(np.asarray(items, dtype=object).astype(str), return_inverse=True)
    u = u.astype(np.int64)
    i = i.astype(np.int64)
    line = np.arange(len(u), dtype=np.int64)
    ts = np.asarray(timestamps, np.float64) if timestamps is not None else line.astype(np.float64)
    order = np.lexsort((line, ts, u))  # by user, then time, then file order
    u, i = u[order], i[order]
    n_users, n_items = len(user_ids), len(item_ids)
    # A repeated (user, item) row counts once, at its first time: else the held-out item may be one
    # the user already has in training, and a duplicated file scores differently from the clean one.
    _, first = np.unique(u * n_items + i, return_index=True)
    once = np.sort(first)
    u, i = u[once], i[once]
    counts = np.bincount(u, minlength=n_users)
    evaluated = np.flatnonzero(counts >= MIN_INTERACTIONS)
    if validation:
        keep = np.ones(len(u), dtype=bool)
        keep[np.cumsum(counts)[evaluated] - 1] = False
        u, i = u[keep], i[keep]
        counts = np.bincount(u, minlength=n_users)
    ends = np.cumsum(counts)  # index after each user's last interaction
    test_pos = ends[evaluated] - 1
    is_test = np.zeros(len(u), dtype=bool)
    is_test[test_pos] = True
    tr_u, tr_i = u[~is_test], i[~is_test]
    tr_counts = np.bincount(tr_u, minlength=n_users)
    tr_ends = np.cumsum(tr_counts)
    age = tr_ends[tr_u] - 1 - np.arange(len(tr_u))
    train = alg.interaction_matrix(tr_u, tr_i, shape=(n_users, n_items))
    train.data[:] = 1.0
    eval_users = evaluated
    targets = i[test_pos]
    if sample_users is not None and sample_users < len(eval_users):
        rng = np.random.default_rng(seed)
        pick = np.sort(rng.choice(len(eval_users), size=sample_users, replace=False))
        eval_users, targets = eval_users[pick], targets[pick]
    split = Split(
        train=train,
        order_users=tr_u,
        order_items=tr_i,
        order_age=age.astype(np.int64),
        eval_users=eval_users.astype(np.int64),
        targets=targets.astype(np.int64),
        n_users=n_users,
        n_items=n_items,
    )
    return split, [str(x) for x in user_ids], [str(x) for x in item_ids]


@dataclass
class Metrics:
    hits10: float = 0.0
    ndcg10: float = 0.0
    hits20: float = 0.0
    users: int = 0

    def as_dict(self, coverage: float, fit_seconds: float) -> dict[str, float]:
        n = max(self.users, 1)
        return {
            "HR@10": round(self.hits10 / n, 4),
            "NDCG@10": round(self.ndcg10 / n, 4),
            "HR@20": round(self.hits20 / n, 4),
            "coverage@10": round(coverage, 4),
            "fit_seconds": round(fit_seconds, 2),
        }


def expected_ranks(
    scores: npt.NDArray[np.float32], targets: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """0-based expected rank of each row's target: items scoring higher + half the other ties."""
    s = scores[np.arange(len(targets)), targets][:, np.newaxis]
    greater = (scores > s).sum(axis=1)
    equal = (scores == s).sum(axis=1)
    ranks: npt.NDArray[np.float64] = greater + (np.maximum(equal, 1) - 1) / 2.0
    return ranks


def evaluate_scores(
    scorer: Callable[[npt.NDArray[np.int64]], npt.NDArray[np.float32]],
    split: Split,
    *,
    batch: int = 512,
    progress: Progress | None = None,
    label: str = "",
) -> tuple[Metrics, float]:
    """Run `scorer(users) -> scores (len(users), n_items)` over the evaluated users; returns the
    metrics and coverage@10."""
    metrics = Metrics()
    seen = np.zeros(split.n_items, dtype=bool)
    starts: Iterable[int] = range(0, len(split.eval_users), batch)
    n_batches = (len(split.eval_users) + batch - 1) // batch
    if progress is not None:
        starts = progress(starts, n_batches, label)
    for start in starts:
        users = split.eval_users[start : start + batch]
        targets = split.targets[start : start + batch]
        scores = np.array(scorer(users), dtype=np.float32, copy=True)
        hist = split.train[users]
        rows = np.repeat(np.arange(len(users)), np.diff(hist.indptr))
        scores[rows, hist.indices] = -np.inf
        ranks = expected_ranks(scores, targets)
        metrics.hits10 += float((ranks < 10).sum())
        metrics.hits20 += float((ranks < 20).sum())
        metrics.ndcg10 += float(np.where(ranks < 10, 1.0 / np.log2(ranks + 2.0), 0.0).sum())
        metrics.users += len(users)
        k = min(10, split.n_items)
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        top_scores = np.take_along_axis(scores, top, axis=1)
        seen[top[np.isfinite(top_scores)]] = True
    return metrics, float(seen.mean()) if split.n_items else 0.0


@dataclass(frozen=True)
class Candidate:
    """An algorithm under evaluation: fit on the training matrix, then score users."""

    name: str
    fit: Callable[[sp.csr_matrix], alg.Model]
    half_life: float = 0.0  # recency weighting of the history rows
    last_item_only: bool = False  # also-bought: the neighbours of the user's newest item


def default_candidates() -> list[Candidate]:
    """popularity (baseline), item_knn (the reference's cosine k=50 shrink 10), also_bought (the
    shop's also-bought neighbours of the user's newest item), ease (plain EASE on the history),
    for_you (the shop's for-you: EASE + item-kNN blend on the recency-weighted history)."""
    return [
        Candidate("popularity", alg.fit_popularity),
        Candidate("item_knn", lambda m: alg.fit_item_knn(m, k=50, shrink=10.0)),
        Candidate(
            "also_bought",
            lambda m: alg.fit_item_knn(m, k=50, shrink=alg.ALSO_BOUGHT_SHRINK),
            last_item_only=True,
        ),
        Candidate("ease", lambda m: alg.fit_ease(m)),
        Candidate("for_you", alg.fit_for_you, half_life=alg.FOR_YOU_HALF_LIFE),
    ]


def run(
    split: Split,
    candidates: list[Candidate],
    *,
    progress: Progress | None = None,
    batch: int = 512,
) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for cand in candidates:
        started = time.perf_counter()
        model = cand.fit(split.train)
        fit_seconds = time.perf_counter() - started

        def scorer(
            users: npt.NDArray[np.int64], cand: Candidate = cand, model: alg.Model = model
        ) -> npt.NDArray[np.float32]:
            if cand.last_item_only:
                rows = split.last_item_rows(users)
            else:
                rows = split.history_rows(users, cand.half_life)
            return alg.score_users(model, rows)

        metrics, coverage = evaluate_scores(
            scorer, split, batch=batch, progress=progress, label=cand.name
        )
        results[cand.name] = metrics.as_dict(coverage, fit_seconds)
        del model
    return results
