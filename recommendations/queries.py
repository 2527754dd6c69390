"""Serving: the stored lists joined to the products shoppers may see and buy now.

Each list is one products query joined to its stored rows (plus the hidden categories and the
primary images: 3 queries), cached under recommendations.cache's keys, so an answer costs a cache
hit or 3 queries. Inactive, hidden and out-of-stock products are filtered here, at serving time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, CharField, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext
from modeltranslation.utils import build_localized_fieldname, get_language, resolution_order

from catalog.models import Product
from catalog.queries import (
    category_hidden_ids_cached,
    primary_images_attach,
    product_list,
    with_primary_image,
)
from core.api.filters import MAX_ID
from recommendations import cache as reco_cache
from recommendations.models import BehaviourEvent, EventKind, ListKind

DEFAULT_LIMIT = 10
T = TypeVar("T")
DEFAULT_TRENDING_DAYS = 7


@dataclass(frozen=True)
class Recommended:
    product: Product
    score: float
    reason: str = ""


@dataclass(frozen=True)
class FavouriteItem:
    product: Product
    created_at: datetime
    price_at_like: Decimal | None

    @property
    def price_dropped(self) -> bool:
        return (
            self.price_at_like is not None
            and self.product.price is not None
            and self.product.price < self.price_at_like
        )


def limit_clamp(limit: Any, default: int = DEFAULT_LIMIT) -> int:
    """?limit= as a number between 1 and the stored list size (a bad value: the default)."""
    try:
        value = int(limit)
    except (TypeError, ValueError):
        return default
    return max(1, min(value, settings.RECOMMENDATIONS_LIST_SIZE))


def trending_window(days: int) -> int:
    """The stored window that answers ?days=: the smallest one at least as long."""
    windows = sorted(settings.RECOMMENDATIONS_TRENDING_WINDOWS)
    return next((w for w in windows if w >= days), windows[-1])


def reason_text(kind: str, name: str | None) -> str:
    if not name:
        return ""
    texts = {
        EventKind.PURCHASE: gettext("Because you bought %(name)s"),
        EventKind.CART: gettext("Because you added %(name)s to your cart"),
        EventKind.LIKE: gettext("Because you liked %(name)s"),
        EventKind.SHARE: gettext("Because you shared %(name)s"),
        EventKind.VIEW: gettext("Because you viewed %(name)s"),
    }
    text = texts.get(kind)  # type: ignore[call-overload]
    return text % {"name": name} if text else ""


def _reason_name() -> Coalesce:
    """The reason product's name in the active language, else its fallbacks' (modeltranslation
    rewrites `name` only on the queried model, not across the stored rows' relation)."""
    columns = [
        NullIf(
            F(f"recommended_in__reason_product__{build_localized_fieldname('name', lang)}"),
            Value(""),
        )
        for lang in resolution_order(get_language())
    ]
    return Coalesce(*columns, Value(""), output_field=CharField())


def _products(hidden: set[int]) -> QuerySet[Any]:
    """Shown products with their primary image in the same query (catalog.queries'
    with_primary_image): a list here costs one query, not two, on pages near their budget."""
    return with_primary_image(product_list(hidden_category_ids=hidden))


def _joined(rows: Q, hidden: set[int]) -> QuerySet[Any]:
    joined: QuerySet[Any] = (
        _products(hidden)
        .filter(rows, in_stock=True)
        .annotate(
            rec_score=F("recommended_in__score"),
            rec_rank=F("recommended_in__rank"),
            rec_reason_kind=F("recommended_in__reason_kind"),
            rec_reason_name=_reason_name(),
        )
    )
    return joined


def _picks(products: list[Any], limit: int, *, reasons: bool = False) -> list[Recommended]:
    out: list[Recommended] = []
    seen: set[int] = set()
    for p in primary_images_attach(products):
        if p.pk in seen:
            continue
        seen.add(p.pk)
        reason = reason_text(p.rec_reason_kind, p.rec_reason_name) if reasons else ""
        out.append(Recommended(p, float(p.rec_score), reason))
    return out[:limit]


def _cached(key: str, kind: str, compute: Callable[[], T]) -> T:
    answer: T | None = cache.get(key)
    if answer is None:
        answer = compute()
        cache.set(key, answer, reco_cache.ttl(kind))
    return answer


def _shown_source(hidden: set[int]) -> Q:
    """The source product of an item list must still be shown (the join checks it)."""
    q = Q(recommended_in__source__is_active=True, recommended_in__source__price__isnull=False)
    if hidden:
        q &= ~Q(recommended_in__source__category_id__in=sorted(hidden))
    return q


def _source_category(product_id: int, hidden: set[int]) -> int | None:
    """The category of a shown product (None: no such product for shoppers)."""
    row = (
        Product.objects.filter(pk=product_id, is_active=True, price__isnull=False)
        .exclude(category_id__in=sorted(hidden))
        .values_list("category_id", flat=True)
        .first()
    )
    return row


class SourceNotShown(Exception):
    """The product an item list is asked for does not exist for shoppers."""


def id_possible(pk: int) -> bool:
    """Whether a row may have this id: a larger one than a BigAutoField holds overflows the database
    driver (a 500) when it is compared through a relation, instead of finding nothing."""
    return 0 < pk <= MAX_ID


def _category_best_sellers(
    hidden: set[int], category_id: int, *, besides: int, limit: int
) -> list[Recommended]:
    """`similar` with nothing stored (not rebuilt since the product came, or its neighbours sold
    out): the best sellers in stock of its category."""
    fill = (
        _products(hidden)
        .filter(category_id=category_id, in_stock=True)
        .exclude(pk=besides)
        .order_by("-sales_count", "-id")[:limit]
    )
    return [Recommended(p, 0.0) for p in primary_images_attach(fill)]


def similar(product_id: int, *, limit: int = DEFAULT_LIMIT) -> list[Recommended]:
    """Products like this one; never empty while its category holds other products in stock.

    Raises SourceNotShown for a product shoppers cannot see."""
    if not id_possible(product_id):
        raise SourceNotShown(product_id)

    def compute() -> list[Recommended]:
        hidden = category_hidden_ids_cached()
        rows = Q(recommended_in__kind=ListKind.SIMILAR, recommended_in__source_id=product_id)
        qs = _joined(rows & _shown_source(hidden), hidden).order_by("rec_rank")
        picks = _picks(list(qs[:limit]), limit)
        if picks:
            return picks  # the rebuild filled the list up from the category already
        category_id = _source_category(product_id, hidden)
        if category_id is None:
            raise SourceNotShown(product_id)
        return _category_best_sellers(hidden, category_id, besides=product_id, limit=limit)

    return _cached(reco_cache.answer_key("similar", product_id, limit), "similar", compute)


def also_bought(product_id: int, *, limit: int = DEFAULT_LIMIT) -> list[Recommended]:
    """Products bought (or carted) by the shoppers who bought this one. Raises SourceNotShown."""
    if not id_possible(product_id):
        raise SourceNotShown(product_id)

    def compute() -> list[Recommended]:
        hidden = category_hidden_ids_cached()
        rows = Q(recommended_in__kind=ListKind.ALSO_BOUGHT, recommended_in__source_id=product_id)
        qs = _joined(rows & _shown_source(hidden), hidden).order_by("rec_rank")
        picks = _picks(list(qs[:limit]), limit)
        if not picks and _source_category(product_id, hidden) is None:
            raise SourceNotShown(product_id)
        return picks

    return _cached(reco_cache.answer_key("also_bought", product_id, limit), "also_bought", compute)


def for_product(product: Product, *, limit: int = DEFAULT_LIMIT) -> tuple[list[Recommended], ...]:
    """(similar, also_bought) of a product shoppers can see, for its page: both stored lists in
    one products query (plus their images); similar topped up from the category like `similar`."""
    product_id, category_id = int(product.pk), int(product.category_id)

    def compute() -> tuple[list[Recommended], ...]:
        hidden = category_hidden_ids_cached()
        rows = Q(
            recommended_in__kind__in=[ListKind.SIMILAR, ListKind.ALSO_BOUGHT],
            recommended_in__source_id=product_id,
        )
        found = list(
            _joined(rows, hidden)
            .annotate(rec_kind=F("recommended_in__kind"))
            .order_by("rec_kind", "rec_rank")
        )
        similar = _picks([p for p in found if p.rec_kind == ListKind.SIMILAR], limit)
        also = _picks([p for p in found if p.rec_kind == ListKind.ALSO_BOUGHT], limit)
        if not similar:
            similar = _category_best_sellers(hidden, category_id, besides=product_id, limit=limit)
        return similar, also

    key = reco_cache.answer_key("for_product", product_id, limit)
    return _cached(key, "similar", compute)


def _best_sellers_fill(
    picks: list[Recommended], hidden: set[int], limit: int, *, exclude: Q | None = None
) -> list[Recommended]:
    """The best sellers in stock for an empty list (a new shop has no behaviour yet)."""
    if picks:
        return picks
    have = sorted(r.product.pk for r in picks)
    qs = _products(hidden).filter(in_stock=True).exclude(pk__in=have)
    if exclude is not None:
        qs = qs.exclude(exclude)
    fill = qs.order_by("-sales_count", "-id")[: limit - len(picks)]
    return picks + [Recommended(p, 0.0) for p in primary_images_attach(fill)]


def trending(*, days: int = DEFAULT_TRENDING_DAYS, limit: int = DEFAULT_LIMIT) -> list[Recommended]:
    """The most wanted products of the last days (best sellers while there is no behaviour)."""
    window = trending_window(days)

    def compute() -> list[Recommended]:
        hidden = category_hidden_ids_cached()
        rows = Q(recommended_in__kind=ListKind.TRENDING, recommended_in__window_days=window)
        picks = _picks(list(_joined(rows, hidden).order_by("rec_rank")[:limit]), limit)
        return _best_sellers_fill(picks, hidden, limit)

    return _cached(reco_cache.answer_key("trending", window, limit), "trending", compute)


def for_user(user: Any, *, limit: int = DEFAULT_LIMIT) -> list[Recommended]:
    """A user's for-you list, each with its reason, topped up with trending (a new user: trending
    only; a new shop: best sellers). Guests get trending."""
    if user is None or not getattr(user, "is_authenticated", False):
        return trending(limit=limit)
    user_id = int(user.pk)
    window = trending_window(DEFAULT_TRENDING_DAYS)

    def compute() -> list[Recommended]:
        hidden = category_hidden_ids_cached()
        mine = Q(recommended_in__kind=ListKind.FOR_YOU, recommended_in__user_id=user_id)
        popular = Q(recommended_in__kind=ListKind.TRENDING, recommended_in__window_days=window)
        # What the user bought is not suggested again (a subquery of the same statement).
        bought = Q(
            pk__in=BehaviourEvent.objects.filter(user_id=user_id, kind=EventKind.PURCHASE).values(
                "product_id"
            )
        )
        qs = (
            _joined(mine | popular, hidden)
            .exclude(bought)
            .annotate(
                rec_mine=Case(
                    When(recommended_in__kind=ListKind.FOR_YOU, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .order_by("rec_mine", "rec_rank")
        )
        picks = _picks(list(qs[: 2 * limit]), limit, reasons=True)
        return _best_sellers_fill(picks, hidden, limit, exclude=bought)

    key = reco_cache.answer_key("for_you", user_id, limit, user_id=user_id)
    return _cached(key, "for_you", compute)


# --- Favourites and history --------------------------------------------------------------------------


def favourites_of(user: Any) -> list[FavouriteItem]:
    """The user's liked products still shown to shoppers, newest first (3 queries)."""
    qs = (
        product_list()
        .filter(favourites__user_id=user.pk)
        .annotate(fav_at=F("favourites__created_at"), fav_price=F("favourites__price_at_like"))
        .order_by("-fav_at", "-pk")
    )
    return [FavouriteItem(p, p.fav_at, p.fav_price) for p in qs]


def favourite_ids(user: Any) -> set[int]:
    """Which products the user liked (for the hearts of a page: one query)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return set(user.favourites.values_list("product_id", flat=True))


def history_of(*, user: Any = None, visitor: str = "") -> list[Product]:
    """Recently viewed products shown to shoppers, newest first, each once (the last 50)."""
    from recommendations.services import owner_key

    owner = owner_key(user, visitor)
    if not owner:
        return []
    size = settings.RECOMMENDATIONS_HISTORY_SIZE
    if user is not None and getattr(user, "is_authenticated", False):
        rows = Q(history_entries__user_id=user.pk)
    else:
        rows = Q(history_entries__user__isnull=True, history_entries__visitor=visitor)
    hidden = category_hidden_ids_cached()
    stored: list[Any] = primary_images_attach(
        _products(hidden)
        .filter(rows)
        .annotate(viewed_at=F("history_entries__viewed_at"))
        .order_by("-viewed_at", "-pk")[:size]
    )
    pending = reco_cache.recent_views(owner)  # viewed, not yet written (the buffer drains)
    by_id = {p.pk: p for p in stored}
    missing = [pk for pk in pending if pk not in by_id]
    if missing:
        by_id.update(
            {p.pk: p for p in primary_images_attach(_products(hidden).filter(pk__in=missing))}
        )
    order = list(dict.fromkeys([*pending, *(p.pk for p in stored)]))
    return [by_id[pk] for pk in order if pk in by_id][:size]


def product_shown(product_id: int) -> bool:
    """Whether shoppers may see the product (2 queries)."""
    return _source_category(product_id, category_hidden_ids_cached()) is not None
