"""From events to stored lists: the matrices the algorithms read, and the rows serving reads.

The algorithm functions are looked up in ALGORITHMS by name (item_cosine, popularity, similar,
trending, for_you; signatures in recommendations/_baseline.py). Wiring the evaluated algorithms
(recommendations/algorithms.py) in means pointing ALGORITHMS there, adapting the calls in
`lists_compute` and `for_you_compute` if their signatures differ.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.utils import timezone

from catalog.models import Product
from recommendations import _baseline
from recommendations.models import BehaviourEvent, EventKind, ListKind, Recommendation

ALGORITHMS: ModuleType = _baseline

# Which kind of behaviour explains a for-you item, strongest first.
REASON_ORDER = [EventKind.PURCHASE, EventKind.CART, EventKind.LIKE, EventKind.SHARE, EventKind.VIEW]
BUY_KINDS = [EventKind.CART, EventKind.PURCHASE]

Progress = Callable[[str, int, int], None]


def _no_progress(step: str, done: int, total: int) -> None:
    return None


@dataclass
class Dataset:
    item_ids: np.ndarray  # index -> product id
    categories: np.ndarray  # index -> category id
    owner_users: list[int | None]  # owner index -> user id (None: a guest)
    matrix: sp.csr_matrix  # owners x items, summed weights of every kind
    buys: sp.csr_matrix  # owners x items, cart and purchase weights only
    strongest: dict[tuple[int, int], str] = field(default_factory=dict)  # (owner, item) -> kind
    purchased: dict[int, set[int]] = field(default_factory=dict)  # owner -> items
    ev_items: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ev_weights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ev_ages: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def index(self) -> dict[int, int]:
        return {int(pk): i for i, pk in enumerate(self.item_ids)}


def dataset_load(*, now: datetime | None = None) -> Dataset:
    """Active products and the events of the retention window, as matrices."""
    now = now or timezone.now()
    products = list(
        Product.objects.filter(is_active=True).order_by("pk").values_list("pk", "category_id")
    )
    item_ids = np.array([pk for pk, _ in products], dtype=np.int64)
    categories = np.array([c for _, c in products], dtype=np.int64)
    index = {int(pk): i for i, pk in enumerate(item_ids)}
    since = now - timedelta(days=settings.RECOMMENDATIONS_EVENT_RETENTION_DAYS)
    rows = BehaviourEvent.objects.filter(created_at__gte=since).values_list(
        "user_id", "visitor", "product_id", "kind", "weight", "created_at"
    )
    owners: dict[tuple[int | None, str], int] = {}
    r, c, w, br, bc, bw = [], [], [], [], [], []
    ev_items, ev_weights, ev_ages = [], [], []
    strongest: dict[tuple[int, int], str] = {}
    purchased: dict[int, set[int]] = {}
    rank = {k: n for n, k in enumerate(REASON_ORDER)}
    for user_id, visitor, product_id, kind, weight, created_at in rows.iterator(chunk_size=5000):
        item = index.get(product_id)
        if item is None:
            continue
        ev_items.append(item)
        ev_weights.append(weight)
        ev_ages.append((now - created_at).total_seconds() / 86400)
        if user_id is None and not visitor:
            continue  # an anonymous event counts for trending only
        owner = owners.setdefault((user_id, "" if user_id else visitor), len(owners))
        r.append(owner)
        c.append(item)
        w.append(weight)
        if kind in BUY_KINDS:
            br.append(owner)
            bc.append(item)
            bw.append(weight)
        if kind == EventKind.PURCHASE:
            purchased.setdefault(owner, set()).add(item)
        known = strongest.get((owner, item))
        if known is None or rank[EventKind(kind)] < rank[EventKind(known)]:
            strongest[(owner, item)] = kind
    shape = (len(owners), len(item_ids))
    return Dataset(
        item_ids=item_ids,
        categories=categories,
        owner_users=[u for (u, _), _n in sorted(owners.items(), key=lambda kv: kv[1])],
        matrix=sp.csr_matrix((w, (r, c)), shape=shape, dtype=np.float64),
        buys=sp.csr_matrix((bw, (br, bc)), shape=shape, dtype=np.float64),
        strongest=strongest,
        purchased=purchased,
        ev_items=np.array(ev_items, dtype=np.int64),
        ev_weights=np.array(ev_weights, dtype=np.float64),
        ev_ages=np.array(ev_ages, dtype=np.float64),
    )


def _merge(*lists: Iterable[tuple[int, float]], k: int) -> list[tuple[int, float]]:
    best: dict[int, float] = {}
    for items in lists:
        for j, s in items:
            best[j] = max(best.get(j, 0.0), s)
    return sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:k]


def lists_compute(data: Dataset, *, progress: Progress = _no_progress) -> list[Recommendation]:
    """Every stored list as unsaved rows: similar and also-bought per item, trending per window,
    for-you per signed-in owner."""
    k = settings.RECOMMENDATIONS_LIST_SIZE
    algo: Any = ALGORITHMS
    ids = data.item_ids
    rows: list[Recommendation] = []
    progress("also bought", 0, 4)
    also = algo.item_cosine(data.buys, k=k)
    for i, neighbours in enumerate(also):
        rows.extend(
            Recommendation(
                kind=ListKind.ALSO_BOUGHT,
                source_id=int(ids[i]),
                product_id=int(ids[j]),
                rank=n,
                score=s,
            )
            for n, (j, s) in enumerate(neighbours)
        )
    progress("similar", 1, 4)
    pop = algo.popularity(data.matrix)
    similar = algo.similar(algo.item_cosine(data.matrix, k=k), data.categories, pop, k=k)
    for i, neighbours in enumerate(similar):
        rows.extend(
            Recommendation(
                kind=ListKind.SIMILAR,
                source_id=int(ids[i]),
                product_id=int(ids[j]),
                rank=n,
                score=s,
            )
            for n, (j, s) in enumerate(neighbours)
        )
    progress("trending", 2, 4)
    for days in settings.RECOMMENDATIONS_TRENDING_WINDOWS:
        scores = algo.trending(
            data.ev_items, data.ev_weights, data.ev_ages, days=days, n_items=len(ids)
        )
        top = [int(j) for j in np.lexsort((ids, -scores)) if scores[j] > 0][:k]
        rows.extend(
            Recommendation(
                kind=ListKind.TRENDING,
                window_days=days,
                product_id=int(ids[j]),
                rank=n,
                score=float(scores[j]),
            )
            for n, j in enumerate(top)
        )
    progress("for you", 3, 4)
    neighbours = [_merge(a, s, k=k) for a, s in zip(also, similar, strict=True)]
    for owner, user_id in enumerate(data.owner_users):
        if user_id is None:
            continue
        picks = algo.for_you(
            data.matrix.getrow(owner),
            neighbours,
            exclude=data.purchased.get(owner, set()),
            k=k,
        )
        rows.extend(
            Recommendation(
                kind=ListKind.FOR_YOU,
                user_id=user_id,
                product_id=int(ids[j]),
                rank=n,
                score=s,
                reason_kind=data.strongest.get((owner, because), ""),
                reason_product_id=int(ids[because]),
            )
            for n, (j, s, because) in enumerate(picks)
        )
    progress("done", 4, 4)
    return rows


def for_you_compute(user_id: int) -> list[Recommendation]:
    """A user's for-you list from their events and the stored item lists (no full rebuild): run
    after their new behaviour, so the list follows what they just did."""
    since = timezone.now() - timedelta(days=settings.RECOMMENDATIONS_EVENT_RETENTION_DAYS)
    events = list(
        BehaviourEvent.objects.filter(user_id=user_id, created_at__gte=since).values_list(
            "product_id", "kind", "weight"
        )
    )
    if not events:
        return []
    rank = {k: n for n, k in enumerate(REASON_ORDER)}
    item_ids = sorted({pid for pid, _, _ in events})
    neighbour_rows = list(
        Recommendation.objects.filter(
            kind__in=[ListKind.ALSO_BOUGHT, ListKind.SIMILAR], source_id__in=item_ids
        ).values_list("source_id", "product_id", "score")
    )
    every = sorted(set(item_ids) | {pid for _, pid, _ in neighbour_rows})
    index = {pid: i for i, pid in enumerate(every)}
    per_item: dict[int, list[tuple[int, float]]] = {}
    for source, pid, score in neighbour_rows:
        per_item.setdefault(index[source], []).append((index[pid], score))
    k = settings.RECOMMENDATIONS_LIST_SIZE
    neighbours = [_merge(per_item.get(i, []), k=k) for i in range(len(every))]
    weights = np.zeros(len(every))
    strongest: dict[int, str] = {}
    bought: set[int] = set()
    for pid, kind, weight in events:
        i = index[pid]
        weights[i] += weight
        if kind == EventKind.PURCHASE:
            bought.add(i)
        if i not in strongest or rank[EventKind(kind)] < rank[EventKind(strongest[i])]:
            strongest[i] = kind
    row = sp.csr_matrix(weights.reshape(1, -1))
    picks = ALGORITHMS.for_you(row, neighbours, exclude=bought, k=k)
    return [
        Recommendation(
            kind=ListKind.FOR_YOU,
            user_id=user_id,
            product_id=every[j],
            rank=n,
            score=s,
            reason_kind=strongest.get(because, ""),
            reason_product_id=every[because],
        )
        for n, (j, s, because) in enumerate(picks)
    ]
