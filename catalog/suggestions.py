"""Product suggestions and shopper behaviour, as seen from the layers below recommendations.

The storefront pages (catalog's home and product pages, orders' cart) show "for you", "similar",
"also bought" lists and report what a shopper did, but catalog and orders sit below
`recommendations` in the import layers (docs/architecture.md) and may not import it. So this module
holds the entry points with plain defaults (best sellers, same category, nothing, no tracking), and
`recommendations` replaces them from its AppConfig.ready() through `suggestions_register`. Until then,
and on a shop without recommendations, the pages still work on the defaults.

Every provider answers products for shoppers (active, priced, in a shown category) in the order to
show, at most `limit`; the caller filters nothing further and may prefetch on the ids it gets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from accounts.models import User
    from catalog.models import Product


# A guest who only browses has no session: the product page gives them this cookie (random, no
# database row), and recommendations reads the same name to find their history.
VISITOR_COOKIE = "shop_visitor"
VISITOR_COOKIE_AGE = 60 * 60 * 24 * 90
_VISITOR_COOKIE_LENGTH = 32


def visitor_cookie_valid(value: str) -> bool:
    """What the product page sets: 32 lowercase hex characters."""
    return len(value) == _VISITOR_COOKIE_LENGTH and all(c in "0123456789abcdef" for c in value)


# The session key under which orders.cart_session keeps a guest's cart token (named here, below
# orders; shop/tests/test_recommendations_wiring.py checks that the two agree).
CART_TOKEN_SESSION_KEY = "cart_token"


def page_visitor(request: Any) -> str:
    """A guest's identity on the pages: the cart token in the session, else the session key, else
    the visitor cookie (a guest who only browsed); "" for none. One rule for the product page that
    records and recommendations' pages and API that read the history."""
    session = getattr(request, "session", None)
    known = str(session.get(CART_TOKEN_SESSION_KEY) or session.session_key or "") if session else ""
    if known:
        return known[:64]
    cookie = getattr(request, "COOKIES", {}).get(VISITOR_COOKIE, "")
    return cookie if visitor_cookie_valid(cookie) else ""


class BehaviourRecorder(Protocol):
    def __call__(
        self,
        kind: str,
        product_ids: Sequence[int],
        *,
        user: Any = None,
        visitor: str = "",
    ) -> None: ...


@dataclass(frozen=True)
class Suggestion:
    product: Product
    reason: str = ""  # "because you viewed X": shown under the product where the page has room


@dataclass(frozen=True)
class ProductSuggestions:
    """The product page's two lists, which a provider may read together (one query, not two)."""

    similar: list[Suggestion]
    also_bought: list[Suggestion]


def _best_sellers(*, exclude: Sequence[int] = (), limit: int) -> list[Product]:
    from catalog.queries import product_list

    qs = product_list().filter(in_stock=True).exclude(pk__in=list(exclude))
    return list(qs.order_by("-sales_count", "-id")[:limit])


def _for_you_default(user: User | None, *, limit: int) -> list[Suggestion]:
    return [Suggestion(p) for p in _best_sellers(limit=limit)]


def _similar_default(product: Product, *, limit: int) -> list[Suggestion]:
    from catalog.queries import product_list

    qs = (
        product_list()
        .filter(category_id=product.category_id)
        .exclude(pk=product.pk)
        .order_by("-in_stock", "-sales_count", "-id")
    )
    return [Suggestion(p) for p in qs[:limit]]


def _also_bought_default(product: Product, *, limit: int) -> list[Suggestion]:
    return []


def _for_product_default(product: Product, *, limit: int) -> ProductSuggestions:
    return ProductSuggestions(
        similar=_providers.similar(product, limit=limit),
        also_bought=_providers.also_bought(product, limit=limit),
    )


def _record_default(
    kind: str, product_ids: Sequence[int], *, user: Any = None, visitor: str = ""
) -> None:
    return None


@dataclass
class _Providers:
    for_you: Callable[..., list[Suggestion]] = _for_you_default
    similar: Callable[..., list[Suggestion]] = _similar_default
    also_bought: Callable[..., list[Suggestion]] = _also_bought_default
    for_product: Callable[..., ProductSuggestions] = _for_product_default
    record: BehaviourRecorder = field(default=_record_default)


_providers = _Providers()


def suggestions_register(
    *,
    for_you: Callable[..., list[Suggestion]] | None = None,
    similar: Callable[..., list[Suggestion]] | None = None,
    also_bought: Callable[..., list[Suggestion]] | None = None,
    for_product: Callable[..., ProductSuggestions] | None = None,
    record: BehaviourRecorder | None = None,
) -> None:
    """Called once by recommendations.apps.ready(); a None keeps the current provider."""
    if for_you is not None:
        _providers.for_you = for_you
    if similar is not None:
        _providers.similar = similar
    if also_bought is not None:
        _providers.also_bought = also_bought
    if for_product is not None:
        _providers.for_product = for_product
    if record is not None:
        _providers.record = record


def suggestions_for_you(user: User | None, *, limit: int = 8) -> list[Suggestion]:
    """A shopper's personal list (best sellers for guests and until recommendations answers)."""
    return _providers.for_you(user, limit=limit)


def suggestions_similar(product: Product, *, limit: int = 8) -> list[Suggestion]:
    """Never empty for an active product in a category with other shown products."""
    return _providers.similar(product, limit=limit)


def suggestions_also_bought(product: Product, *, limit: int = 8) -> list[Suggestion]:
    return _providers.also_bought(product, limit=limit)


def suggestions_for_product(product: Product, *, limit: int = 8) -> ProductSuggestions:
    """Similar and also-bought for a product page: `product` is one shoppers may see."""
    return _providers.for_product(product, limit=limit)


def behaviour_record(
    kind: str, product_ids: Sequence[int], *, user: Any = None, visitor: str = ""
) -> None:
    """Report what a shopper did: kind is view, cart, purchase, like or share.

    `user` is the signed-in user (or None), `visitor` identifies a guest (cart token or session
    key). Called on the request path, so the recorder must cost no query there (it buffers or
    defers its writes).
    """
    if product_ids:
        _providers.record(kind, product_ids, user=user, visitor=visitor)
