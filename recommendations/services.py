"""Recording behaviour, favourites, history, and rebuilding the stored lists.

`events_record` runs on the request path and costs no database query: it appends to the buffer
(recommendations.buffer) and, for views, to the owner's not-yet-written history in the cache.
`events_flush` (Beat, every 30 s, and at the end of a request in the embedded shop) writes the
buffered events in bulk, folds views into the history, and refreshes the for-you lists of the
users who just did something.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog.models import Product
from catalog.queries import product_list
from core.transactions import on_commit_robust
from recommendations import buffer, rebuild
from recommendations import cache as reco_cache
from recommendations.exceptions import FavouriteNotFound, ProductNotFound
from recommendations.models import (
    BehaviourEvent,
    EventKind,
    Favourite,
    HistoryEntry,
    ListKind,
    Recommendation,
)

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

BULK = 2000


def _user_id(user: Any) -> int | None:
    """A signed-in user's id; `user` may be the user, an anonymous user, None, or a user id (a
    service that has only the id at hand, as orders' cart add)."""
    if isinstance(user, int) and not isinstance(user, bool):
        return user
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return int(user.pk)


def owner_key(user: Any, visitor: str) -> str:
    """ "u:<id>" for a signed-in user, "v:<key>" for a guest, "" for nobody we could recognise."""
    user_id = _user_id(user)
    if user_id is not None:
        return f"u:{user_id}"
    return f"v:{visitor}" if visitor else ""


# --- Behaviour ---------------------------------------------------------------------------------------


def events_record(
    kind: str,
    product_ids: Sequence[int],
    *,
    user: Any = None,
    visitor: str = "",
    created_at: datetime | None = None,
) -> None:
    """Buffer what a shopper did (no database query). `kind`: view, cart, purchase, like, share.
    `created_at`: when it happened, if not now (demo data)."""
    kind = EventKind(kind).value  # ValueError for an unknown kind: a programming error
    weight = float(settings.RECOMMENDATIONS_EVENT_WEIGHTS[kind])
    user_id = _user_id(user)
    visitor = "" if user_id is not None else (visitor or "")[:64]
    now = (created_at or timezone.now()).isoformat()
    ids = [int(pk) for pk in product_ids]
    try:
        buffer.push(
            [{"k": kind, "p": pk, "u": user_id, "v": visitor, "w": weight, "t": now} for pk in ids]
        )
    except Exception:
        # Tracking never breaks a page: with Redis down the event is lost, and logged.
        logger.warning("behaviour event dropped: the buffer is unavailable", exc_info=True)
        return
    owner = owner_key(user, visitor)
    if kind == EventKind.VIEW and owner:
        reco_cache.recent_views_add(owner, ids)


def events_flush(*, limit: int = 5000, rounds: int = 20) -> int:
    """Write buffered events; returns how many were written."""
    written = 0
    for _ in range(rounds):
        batch = buffer.drain(limit)
        if not batch:
            break
        written += _events_write(batch)
        if len(batch) < limit:
            break
    return written


def _events_write(batch: list[dict[str, Any]]) -> int:
    known = set(
        Product.objects.filter(pk__in={int(e["p"]) for e in batch}).values_list("pk", flat=True)
    )
    events: list[BehaviourEvent] = []
    for e in batch:
        when = parse_datetime(e["t"]) or timezone.now()
        if int(e["p"]) not in known:
            continue
        events.append(
            BehaviourEvent(
                user_id=e["u"],
                visitor="" if e["u"] else e["v"],
                product_id=int(e["p"]),
                kind=e["k"],
                weight=float(e["w"]),
                created_at=when,
            )
        )
    if not events:
        return 0
    users = sorted({ev.user_id for ev in events if ev.user_id is not None})
    with transaction.atomic():
        # A user deleted meanwhile: their events go with them (only existing users' are kept).
        if users:
            from django.contrib.auth import get_user_model

            alive = set(get_user_model().objects.filter(pk__in=users).values_list("pk", flat=True))
            events = [ev for ev in events if ev.user_id is None or ev.user_id in alive]
            users = sorted(alive)
        BehaviourEvent.objects.bulk_create(events, batch_size=BULK)
        _history_write([ev for ev in events if ev.kind == EventKind.VIEW])
        for user_id in users:
            _for_you_store(user_id)
    on_commit_robust(reco_cache.user_lists_invalidate, users)
    return len(events)


def _history_write(views: list[BehaviourEvent]) -> None:
    """Fold views into the owners' history: one row per product, the newest view, the last 50."""
    latest: dict[tuple[int | None, str], dict[int, datetime]] = {}
    for ev in views:
        seen = latest.setdefault((ev.user_id, ev.visitor), {})
        if ev.product_id not in seen or seen[ev.product_id] < ev.created_at:
            seen[ev.product_id] = ev.created_at
    keep = settings.RECOMMENDATIONS_HISTORY_SIZE
    for (user_id, visitor), seen in latest.items():
        if user_id is None and not visitor:
            continue
        owner = Q(user_id=user_id) if user_id is not None else Q(user__isnull=True, visitor=visitor)
        HistoryEntry.objects.filter(owner, product_id__in=list(seen)).delete()
        # A concurrent flush may have written the same row: it stands (its view is as recent).
        HistoryEntry.objects.bulk_create(
            [
                HistoryEntry(user_id=user_id, visitor=visitor, product_id=pk, viewed_at=when)
                for pk, when in seen.items()
            ],
            ignore_conflicts=True,
        )
        stale = list(
            HistoryEntry.objects.filter(owner)
            .order_by("-viewed_at", "-pk")
            .values_list("pk", flat=True)[keep : keep + 1000]
        )
        if stale:
            HistoryEntry.objects.filter(pk__in=stale).delete()


def _for_you_store(user_id: int) -> None:
    rows = rebuild.for_you_compute(user_id)
    if not rows:
        return  # nothing to go on yet: keep what the rebuild stored (or the trending fallback)
    Recommendation.objects.filter(kind=ListKind.FOR_YOU, user_id=user_id).delete()
    Recommendation.objects.bulk_create(rows, batch_size=BULK)


def events_prune(*, now: datetime | None = None) -> int:
    """Delete events older than RECOMMENDATIONS_EVENT_RETENTION_DAYS, and guest history as old."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.RECOMMENDATIONS_EVENT_RETENTION_DAYS)
    deleted = 0
    while True:
        pks = list(
            BehaviourEvent.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:BULK]
        )
        if not pks:
            break
        deleted += BehaviourEvent.objects.filter(pk__in=pks).delete()[0]
    HistoryEntry.objects.filter(user__isnull=True, viewed_at__lt=cutoff).delete()
    return deleted


# --- Favourites and history --------------------------------------------------------------------------


def _shown_product(product_id: int) -> Product:
    product = product_list().filter(pk=product_id).first()
    if product is None:
        raise ProductNotFound()
    return product


def favourite_add(user: User, *, product_id: int) -> tuple[Favourite, bool]:
    """Like a product (once); returns the favourite and whether it is new. Records a "like"."""
    product = _shown_product(product_id)
    favourite, created = Favourite.objects.get_or_create(
        user=user, product=product, defaults={"price_at_like": product.price}
    )
    if created:
        on_commit_robust(_record_like, user, product.pk)
    return favourite, created


def _record_like(user: User, product_id: int) -> None:
    events_record(EventKind.LIKE, [product_id], user=user)


# The largest row id there can be (a BigAutoField's, SQLite's INTEGER): a larger one passed to the
# database overflows the driver (a 500 on SQLite) instead of matching nothing.
MAX_ID = 2**63 - 1


def favourite_remove(user: User, *, product_id: int) -> None:
    if not 0 < product_id <= MAX_ID:
        raise FavouriteNotFound()
    deleted, _ = Favourite.objects.filter(user=user, product_id=product_id).delete()
    if not deleted:
        raise FavouriteNotFound()


def favourite_toggle(user: User, *, product_id: int) -> bool:
    """Like, or unlike a liked product (the page's heart); returns whether it is liked now."""
    try:
        favourite_remove(user, product_id=product_id)
    except FavouriteNotFound:
        favourite_add(user, product_id=product_id)
        return True
    return False


def history_clear(*, user: Any = None, visitor: str = "") -> int:
    """Forget an owner's browsing history (the events stay, anonymous to nobody but the owner)."""
    owner = owner_key(user, visitor)
    if not owner:
        return 0
    reco_cache.recent_views_clear(owner)
    user_id = _user_id(user)
    if user_id is not None:
        qs = HistoryEntry.objects.filter(user_id=user_id)
    else:
        qs = HistoryEntry.objects.filter(user__isnull=True, visitor=visitor)
    return int(qs.delete()[0])


# --- Rebuild -----------------------------------------------------------------------------------------


def recommendations_rebuild(
    *, progress: Callable[[str, int, int], None] | None = None
) -> dict[str, int]:
    """Recompute every stored list from the events of the retention window; returns row counts."""
    events_flush()
    data = rebuild.dataset_load()
    rows = rebuild.lists_compute(data, progress=progress or (lambda *a: None))
    with transaction.atomic():
        Recommendation.objects.all().delete()
        Recommendation.objects.bulk_create(rows, batch_size=BULK)
    on_commit_robust(reco_cache.rebuild_invalidate)
    counts: dict[str, int] = {kind: 0 for kind in ListKind.values}
    for row in rows:
        counts[row.kind] += 1
    logger.info("recommendations_rebuild: %s", counts)
    return counts
