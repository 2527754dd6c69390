"""From events and the catalogue to stored lists: the evaluated algorithms (recommendations.algorithms)
on the shop's data, and the rows serving reads (recommendations.queries).

The rebuild (`lists_compute` on `dataset_load`) computes, for the active products and the events of
the retention window:
- also bought: item-kNN on purchases and cart adds (`fit_item_knn`, shrink `ALSO_BOUGHT_SHRINK`);
- for you: the EASE + item-kNN blend (`fit_for_you`) with the 7-day trending scores as its fallback,
  scored per signed-in user on their history (oldest first, recency weights times how strong their
  behaviour was), their purchases excluded; stored as lists, never the (dense) EASE matrix. Only
  picks with a reason are stored: the trending fallback is served from the trending rows;
- similar: content (`fit_similar` on category path, brand, price, attributes, names and descriptions
  in every language) blended with the for-you blend's behaviour neighbours, kept within the source's
  top-level category, so a book's similar list holds no games;
- trending per window of settings.RECOMMENDATIONS_TRENDING_WINDOWS (`fit_trending` on the events'
  times and weights).

`for_you_compute` refreshes one user's list after their new behaviour without a rebuild: the EASE
model is not kept, so it scores their history with the stored also-bought and similar lists as item
neighbours (`recommend` on an ItemNeighbours), until the next rebuild.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.utils import timezone
from modeltranslation.settings import AVAILABLE_LANGUAGES
from modeltranslation.utils import build_localized_fieldname

from catalog.models import Category, Product, ProductVariant
from recommendations import algorithms as alg
from recommendations.models import BehaviourEvent, EventKind, ListKind, Recommendation

# Which kind of behaviour explains a for-you item, strongest first.
REASON_ORDER = [EventKind.PURCHASE, EventKind.CART, EventKind.LIKE, EventKind.SHARE, EventKind.VIEW]
BUY_KINDS = [EventKind.CART, EventKind.PURCHASE]
# Rows stored beyond the largest ?limit=, so a list stays full when a few of its products sell out
# (serving filters out-of-stock products).
SPARE = 5
# The trending window the for-you blend falls back on (the one served to new users).
FOR_YOU_TRENDING_DAYS = 7
# for_you_compute: how much a similar neighbour counts against an also-bought one (each list's
# scores normalised to a best of 1 per source product).
SIMILAR_SHARE = 0.5
TEXT_FIELDS = ("name", "short_description", "description")

Progress = Callable[[str, int, int], None]


def _no_progress(step: str, done: int, total: int) -> None:
    return None


@dataclass
class History:
    """One owner's products, oldest first (by their latest event), and how much each counts."""

    items: list[int] = field(default_factory=list)
    strength: list[float] = field(default_factory=list)  # strongest event weight / the largest
    strongest: dict[int, str] = field(default_factory=dict)  # item -> kind that explains it
    bought: set[int] = field(default_factory=set)

    def weights(self) -> np.ndarray:
        """Recency (the newest weighs 1, halving every FOR_YOU_HALF_LIFE items back) times strength."""
        recency = alg.recency_weights(len(self.items))
        return np.asarray(recency * np.asarray(self.strength, np.float32), dtype=np.float32)


@dataclass
class Dataset:
    item_ids: np.ndarray  # index -> product id
    features: alg.ItemFeatures  # index-aligned content of the products
    roots: np.ndarray  # index -> the top-level category id of the product
    owner_users: list[int | None]  # owner index -> user id (None: a guest)
    matrix: sp.csr_matrix  # owners x items, summed weights of every kind
    buys: sp.csr_matrix  # owners x items, cart and purchase weights only
    histories: dict[int, History] = field(default_factory=dict)  # signed-in owners only
    ev_items: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ev_times: np.ndarray = field(default_factory=lambda: np.zeros(0))  # unix seconds
    ev_weights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    now: float = 0.0


def _category_paths() -> dict[int, list[int]]:
    """Every category's ids from its root down to itself (one query)."""
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    paths: dict[int, list[int]] = {}

    def path(pk: int) -> list[int]:
        known = paths.get(pk)
        if known is not None:
            return known
        chain: list[int] = []
        node: int | None = pk
        while node is not None and node not in chain and len(chain) < 64:  # a cycle stops here
            chain.append(node)
            node = parents.get(node)
        paths[pk] = chain[::-1]
        return paths[pk]

    for pk in parents:
        path(pk)
    return paths


def _attribute_labels(attributes: Any) -> Iterable[str]:
    """ "key=value" for each attribute (a list value: one label per element)."""
    if not isinstance(attributes, dict):
        return
    for key, value in attributes.items():
        for v in value if isinstance(value, list) else [value]:
            if v is not None and not isinstance(v, dict) and str(v).strip():
                yield f"{str(key).strip().lower()}={str(v).strip().lower()}"


def _text_columns() -> list[str]:
    return [build_localized_fieldname(f, lang) for f in TEXT_FIELDS for lang in AVAILABLE_LANGUAGES]


def products_load() -> tuple[np.ndarray, alg.ItemFeatures, np.ndarray]:
    """The active products (by id) and their content: category path, brand, price, the product's
    and its active variants' attributes, names and descriptions in every language (3 queries)."""
    columns = _text_columns()
    rows = list(
        Product.objects.filter(is_active=True)
        .order_by("pk")
        .values_list(
            "pk", "category_id", "brand_id", "price", "attributes", "sales_count", *columns
        )
    )
    item_ids = np.array([r[0] for r in rows], dtype=np.int64)
    index = {int(pk): i for i, pk in enumerate(item_ids)}
    attributes: list[set[str]] = [set(_attribute_labels(r[4])) for r in rows]
    variants = ProductVariant.objects.filter(is_active=True, product__is_active=True)
    for product_id, attrs in variants.values_list("product_id", "attributes").iterator(2000):
        i = index.get(product_id)
        if i is not None:
            attributes[i].update(_attribute_labels(attrs))
    paths = _category_paths()
    category_paths = [paths.get(r[1], [r[1]]) for r in rows]
    features = alg.ItemFeatures(
        category_paths=category_paths,
        brands=[str(r[2]) if r[2] is not None else None for r in rows],
        prices=[float(r[3]) if r[3] is not None else math.nan for r in rows],
        attributes=[sorted(a) for a in attributes],
        texts=[" ".join(t for t in r[6:] if t) for r in rows],
        popularity=[float(r[5]) for r in rows],
    )
    roots = np.array([p[0] if p else -1 for p in category_paths], dtype=np.int64)
    return item_ids, features, roots


def dataset_load(*, now: datetime | None = None) -> Dataset:
    """Active products with their content, and the events of the retention window as matrices."""
    now = now or timezone.now()
    item_ids, features, roots = products_load()
    index = {int(pk): i for i, pk in enumerate(item_ids)}
    since = now - timedelta(days=settings.RECOMMENDATIONS_EVENT_RETENTION_DAYS)
    events = (
        BehaviourEvent.objects.filter(created_at__gte=since)
        .order_by("created_at", "pk")
        .values_list("user_id", "visitor", "product_id", "kind", "weight", "created_at")
    )
    owners: dict[tuple[int | None, str], int] = {}
    r, c, w, br, bc, bw = [], [], [], [], [], []
    ev_items, ev_times, ev_weights = [], [], []
    # signed-in owners' items in the order of their latest event (dicts keep insertion order)
    seen: dict[int, dict[int, float]] = {}
    histories: dict[int, History] = {}
    for user_id, visitor, product_id, kind, weight, created_at in events.iterator(chunk_size=5000):
        item = index.get(product_id)
        if item is None:
            continue
        ev_items.append(item)
        ev_times.append(created_at.timestamp())
        ev_weights.append(weight)
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
        if user_id is not None:
            history = histories.setdefault(owner, History())
            _history_add(history, seen.setdefault(owner, {}), item, kind, weight)
    for owner, history in histories.items():
        _history_close(history, seen[owner])
    shape = (len(owners), len(item_ids))
    return Dataset(
        item_ids=item_ids,
        features=features,
        roots=roots,
        owner_users=[u for (u, _), _n in sorted(owners.items(), key=lambda kv: kv[1])],
        matrix=alg.interaction_matrix(r, c, w, shape=shape),
        buys=alg.interaction_matrix(br, bc, bw, shape=shape),
        histories=histories,
        ev_items=np.array(ev_items, dtype=np.int64),
        ev_times=np.array(ev_times, dtype=np.float64),
        ev_weights=np.array(ev_weights, dtype=np.float64),
        now=now.timestamp(),
    )


_RANK = {k: n for n, k in enumerate(REASON_ORDER)}


def _history_add(
    history: History, strength: dict[int, float], item: int, kind: str, weight: float
) -> None:
    """Fold one event (in time order) into a history: the item moves to the end (newest)."""
    strength[item] = max(strength.pop(item, 0.0), float(weight))
    known = history.strongest.get(item)
    if known is None or _RANK[EventKind(kind)] < _RANK[EventKind(known)]:
        history.strongest[item] = kind
    if kind == EventKind.PURCHASE:
        history.bought.add(item)


def _history_close(history: History, strength: dict[int, float]) -> None:
    top = max(settings.RECOMMENDATIONS_EVENT_WEIGHTS.values()) or 1.0
    history.items = list(strength)
    history.strength = [min(1.0, s / top) if s > 0 else 1.0 / top for s in strength.values()]


def _item_rows(
    kind: str, ids: np.ndarray, neighbours: alg.ItemNeighbours, keep: Callable[[int, int], bool]
) -> Iterable[Recommendation]:
    size = settings.RECOMMENDATIONS_LIST_SIZE + SPARE
    for i in range(len(ids)):
        picks = [(j, s) for j, s in neighbours.neighbours(i) if keep(i, j)][:size]
        for n, (j, s) in enumerate(picks):
            yield Recommendation(
                kind=kind, source_id=int(ids[i]), product_id=int(ids[j]), rank=n, score=s
            )


def lists_compute(data: Dataset, *, progress: Progress = _no_progress) -> list[Recommendation]:
    """Every stored list as unsaved rows: also-bought and similar per item, trending per window,
    for-you per signed-in owner with behaviour."""
    size = settings.RECOMMENDATIONS_LIST_SIZE + SPARE
    ids = data.item_ids
    n_items = len(ids)
    rows: list[Recommendation] = []
    if n_items == 0:
        progress("done", 4, 4)
        return rows

    progress("trending", 0, 4)
    trending: dict[int, alg.Trending] = {}
    for days in sorted(set(settings.RECOMMENDATIONS_TRENDING_WINDOWS) | {FOR_YOU_TRENDING_DAYS}):
        trending[days] = alg.fit_trending(
            data.ev_items,
            data.ev_times,
            data.ev_weights,
            n_items=n_items,
            now=data.now,
            window=days * 86400.0,
        )
    for days in settings.RECOMMENDATIONS_TRENDING_WINDOWS:
        scores = trending[days].scores
        rows.extend(
            Recommendation(
                kind=ListKind.TRENDING,
                window_days=days,
                product_id=int(ids[j]),
                rank=n,
                score=float(scores[j]),
            )
            for n, j in enumerate(trending[days].top(size))
        )

    progress("also bought", 1, 4)
    also = alg.fit_item_knn(data.buys, k=size, shrink=alg.ALSO_BOUGHT_SHRINK)
    rows.extend(_item_rows(ListKind.ALSO_BOUGHT, ids, also, lambda i, j: True))

    progress("for you", 2, 4)
    fallback = trending[FOR_YOU_TRENDING_DAYS].scores
    if not fallback.any():
        fallback = alg.fit_popularity(data.matrix).scores
    model = alg.fit_for_you(data.matrix, fallback=fallback)
    for owner, history in data.histories.items():
        user_id = data.owner_users[owner]
        picks = alg.recommend(
            model, history.items, history.weights(), n=size, exclude=history.bought
        )
        rows.extend(
            Recommendation(
                kind=ListKind.FOR_YOU,
                user_id=user_id,
                product_id=int(ids[p.item]),
                rank=n,
                score=p.score,
                reason_kind=history.strongest.get(p.reason, ""),
                reason_product_id=int(ids[p.reason]),
            )
            # the trending fallback (reason -1) is served from the trending rows
            for n, p in enumerate(p for p in picks if p.reason >= 0)
        )

    progress("similar", 3, 4)
    # Twice the list size, so that the list stays full after the top-level category filter.
    similar = alg.fit_similar(data.features, behaviour=model.knn, k=2 * size)
    roots = data.roots
    rows.extend(_item_rows(ListKind.SIMILAR, ids, similar, lambda i, j: roots[i] == roots[j]))
    progress("done", 4, 4)
    return rows


def _normalised(rows: Sequence[tuple[int, int, float]]) -> dict[tuple[int, int], float]:
    """(source, product) -> score / the source's best score."""
    best: dict[int, float] = {}
    for source, _pid, score in rows:
        best[source] = max(best.get(source, 0.0), score)
    return {(s, p): (v / best[s] if best[s] > 0 else 0.0) for s, p, v in rows}


def for_you_compute(user_id: int) -> list[Recommendation]:
    """A user's for-you list from their events and the stored item lists (no full rebuild): run
    after their new behaviour, so the list follows what they just did."""
    since = timezone.now() - timedelta(days=settings.RECOMMENDATIONS_EVENT_RETENTION_DAYS)
    events = list(
        BehaviourEvent.objects.filter(user_id=user_id, created_at__gte=since)
        .order_by("created_at", "pk")
        .values_list("product_id", "kind", "weight")
    )
    if not events:
        return []
    mine = sorted({pid for pid, _, _ in events})
    stored = Recommendation.objects.filter(
        kind__in=[ListKind.ALSO_BOUGHT, ListKind.SIMILAR], source_id__in=mine
    ).values_list("kind", "source_id", "product_id", "score")
    per_kind: dict[str, list[tuple[int, int, float]]] = {}
    for kind, source, pid, score in stored:
        per_kind.setdefault(kind, []).append((source, pid, score))
    scores: dict[tuple[int, int], float] = {}
    for kind, share in ((ListKind.ALSO_BOUGHT, 1.0), (ListKind.SIMILAR, SIMILAR_SHARE)):
        for pair, value in _normalised(per_kind.get(kind, [])).items():
            scores[pair] = scores.get(pair, 0.0) + share * value
    if not scores:
        return []
    every = sorted(set(mine) | {pid for _, pid in scores})
    index = {pid: i for i, pid in enumerate(every)}
    per_source: dict[int, list[tuple[int, float]]] = {}
    for (source, pid), value in scores.items():
        per_source.setdefault(index[source], []).append((index[pid], value))
    width = max(len(pairs) for pairs in per_source.values())
    indices = np.full((len(every), width), -1, dtype=np.int32)
    values = np.zeros((len(every), width), dtype=np.float32)
    for i, pairs in per_source.items():
        pairs.sort(key=lambda pv: (-pv[1], pv[0]))
        indices[i, : len(pairs)] = [j for j, _ in pairs]
        values[i, : len(pairs)] = [v for _, v in pairs]
    neighbours = alg.ItemNeighbours(indices=indices, scores=values)

    history = History()
    strength: dict[int, float] = {}
    for pid, kind, weight in events:
        _history_add(history, strength, index[pid], kind, weight)
    _history_close(history, strength)
    size = settings.RECOMMENDATIONS_LIST_SIZE + SPARE
    picks = alg.recommend(
        neighbours, history.items, history.weights(), n=size, exclude=history.bought
    )
    return [
        Recommendation(
            kind=ListKind.FOR_YOU,
            user_id=user_id,
            product_id=every[p.item],
            rank=n,
            score=p.score,
            reason_kind=history.strongest.get(p.reason, ""),
            reason_product_id=every[p.reason],
        )
        for n, p in enumerate(p for p in picks if p.reason >= 0)
    ]
