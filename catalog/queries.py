"""Reads of the catalogue: the category tree, product lists and details, search.

Every function here answers in a fixed number of queries, whatever the size of the catalogue: the
category tree is one query assembled in Python, a list's availability is a stored column
(Product.in_stock), and images and variants are prefetched.

They also stay fast on a large catalogue: every WHERE clause of a list or a search is served by an
index, and nothing is computed per product before LIMIT (benchmarks/catalog_api.py measures it).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    TrigramWordSimilarity,
)
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from modeltranslation.settings import AVAILABLE_LANGUAGES
from modeltranslation.utils import build_localized_fieldname

from catalog import cache as catalog_cache
from catalog.cache import CacheUnavailable, cache_call
from catalog.models import (
    Banner,
    Brand,
    Category,
    HomeSection,
    HomeSectionProduct,
    Product,
    ProductImage,
    ProductVariant,
    Review,
)

if TYPE_CHECKING:
    pass

SEARCH_CONFIG = "simple"


# --- Category tree -----------------------------------------------------------------------------------


@dataclass
class CategoryNode:
    category: Category
    depth: int = 0
    children: list[CategoryNode] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.category.pk


def category_tree(*, include_inactive: bool = False) -> list[CategoryNode]:
    """The whole category forest, roots first, in one query.

    An inactive category hides its whole branch from shoppers, so a child of an inactive parent is
    dropped too (not promoted to a root).
    """
    key = _hidden_key()
    categories = _all_categories()
    # The page that draws the tree then shows suggestion lists, which ask which are hidden.
    _hidden_store(key, _hidden_from([(c.pk, c.parent_id, c.is_active) for c in categories]))
    return _tree_from(categories, include_inactive=include_inactive)


def _all_categories() -> list[Category]:
    return list(Category.objects.order_by("sort_order", "name", "pk"))


def _tree_from(categories: list[Category], *, include_inactive: bool) -> list[CategoryNode]:
    nodes = {c.pk: CategoryNode(c) for c in categories}
    roots: list[CategoryNode] = []
    for category in categories:
        node = nodes[category.pk]
        if category.parent_id is None:
            roots.append(node)
        elif category.parent_id in nodes:
            nodes[category.parent_id].children.append(node)

    def prune_and_depth(siblings: list[CategoryNode], depth: int) -> list[CategoryNode]:
        kept = []
        for node in siblings:
            if not include_inactive and not node.category.is_active:
                continue
            node.depth = depth
            node.children = prune_and_depth(node.children, depth + 1)
            kept.append(node)
        return kept

    return prune_and_depth(roots, 0)


def category_tree_flat(*, include_inactive: bool = True) -> list[CategoryNode]:
    """The tree in display order (depth first), for the admin's indented list."""
    out: list[CategoryNode] = []

    def walk(siblings: list[CategoryNode]) -> None:
        for node in siblings:
            out.append(node)
            walk(node.children)

    walk(category_tree(include_inactive=include_inactive))
    return out


def _descendants(rows: Iterable[tuple[int, int | None]], root: int) -> set[int]:
    """`root` and every id below it, from (id, parent_id) pairs; cycle-safe."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in rows:
        children.setdefault(parent_id, []).append(pk)
    found = {root}
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def category_descendant_ids(category_id: int) -> set[int]:
    """The ids of a category and of every category below it, from one query of (id, parent_id):
    a shop's tree is small, and walking it level by level would cost a query per level."""
    return _descendants(Category.objects.values_list("pk", "parent_id"), category_id)


def category_descendant_ids_by_slug(slug: str) -> set[int]:
    """Like category_descendant_ids, for the `category` filter; an unknown slug gives an empty set."""
    rows = list(Category.objects.values_list("pk", "parent_id", "slug"))
    root = next((pk for pk, _, s in rows if s == slug), None)
    if root is None:
        return set()
    return _descendants(((pk, parent_id) for pk, parent_id, _ in rows), root)


def category_hidden_ids() -> set[int]:
    """Categories a shopper may not see: inactive ones and every category below an inactive one.

    A product is shown only if it is active, has a price, and its category and all its ancestors
    are active. The tree is one small query; the answer is usually empty, so the product queries
    exclude these ids (no condition at all in the common case) rather than list the visible ones.
    Read from the database: what writes (cart, checkout) decide on. Pure reads may take
    category_hidden_ids_cached.
    """
    return _hidden_from(list(Category.objects.values_list("pk", "parent_id", "is_active")))


def category_hidden_ids_cached() -> set[int]:
    """category_hidden_ids for reads that only show (suggestion lists): from the cache, which
    the catalogue's own reads fill (home page) and every category write empties on commit."""
    key = _hidden_key()
    if key is not None:
        with contextlib.suppress(CacheUnavailable):
            found: list[int] | None = cache_call(cache.get, key)
            if found is not None:
                return set(found)
    hidden = category_hidden_ids()
    _hidden_store(key, hidden)
    return hidden


# Asked by every suggestion list the pages show, so kept in the cache under the catalog's list
# version: every category write bumps it (catalog.services). The key is taken before the rows are
# read, so a set read before a write lands under a version that is already dead.
def _hidden_key() -> str | None:
    try:
        return f"catalog:hidden-categories:{cache_call(catalog_cache.list_version)}"
    except CacheUnavailable:
        return None


def _hidden_store(key: str | None, hidden: set[int]) -> None:
    if key is not None:
        with contextlib.suppress(CacheUnavailable):
            cache_call(cache.set, key, sorted(hidden), settings.CATALOG_LIST_CACHE_SECONDS)


def _hidden_from(rows: list[tuple[int, int | None, bool]]) -> set[int]:
    children: dict[int | None, list[int]] = {}
    active = set()
    for pk, parent_id, is_active in rows:
        children.setdefault(parent_id, []).append(pk)
        if is_active:
            active.add(pk)
    # Visible: reachable from a root through active categories only, as in category_tree.
    visible: set[int] = set()
    stack = [pk for pk in children.get(None, ()) if pk in active]
    while stack:
        pk = stack.pop()
        if pk not in visible:
            visible.add(pk)
            stack.extend(c for c in children.get(pk, ()) if c in active)
    return {pk for pk, _, _ in rows} - visible


def variant_sellable(variant: ProductVariant, hidden_category_ids: set[int]) -> bool:
    """Whether a shopper may buy the variant now: it, its product and every category above the
    product are active (the same rule as the catalogue's shopper lists)."""
    product = variant.product
    return (
        variant.is_active and product.is_active and product.category_id not in hidden_category_ids
    )


def _shown_to_shoppers(
    qs: QuerySet[Product], hidden_category_ids: set[int] | None
) -> QuerySet[Product]:
    if hidden_category_ids is None:
        hidden_category_ids = category_hidden_ids()
    qs = qs.filter(is_active=True, price__isnull=False)
    if hidden_category_ids:
        qs = qs.exclude(category_id__in=sorted(hidden_category_ids))
    return qs


# --- Availability ------------------------------------------------------------------------------------


def _available_stock() -> QuerySet[Model]:
    """Stock rows that have at least one unit to sell, in an active warehouse.

    The stock model is the one at the end of the variants' `stocks` relation: catalog sits below
    inventory and never imports it (docs/architecture.md); the relation's name is the interface."""
    stock_model = ProductVariant._meta.get_field("stocks").related_model
    return stock_model._default_manager.filter(
        warehouse__is_active=True, quantity__gt=F("quantity_allocated")
    ).order_by()


def product_in_stock_expression() -> Exists:
    """True when some active variant of the product has available stock (outer ref: product pk)."""
    return Exists(
        _available_stock().filter(variant__product_id=OuterRef("pk"), variant__is_active=True)
    )


def products_in_stock_drift() -> QuerySet[Product]:
    """Products whose stored in_stock disagrees with their stock (for inventory_check)."""
    return Product.objects.exclude(in_stock=product_in_stock_expression()).order_by("pk")


def variant_in_stock_expression() -> Exists:
    """True when the variant has available stock in an active warehouse (outer ref: variant pk)."""
    return Exists(_available_stock().filter(variant_id=OuterRef("pk")))


# --- Products ----------------------------------------------------------------------------------------


def _primary_image_prefetch() -> Prefetch[str, QuerySet[ProductImage], str]:
    return Prefetch(
        "images",
        queryset=ProductImage.objects.filter(is_primary=True),
        to_attr="primary_images",
    )


def with_primary_image(qs: QuerySet[Product]) -> QuerySet[Product]:
    """`qs` with its primary image read in the same query (three correlated subqueries) instead of
    a prefetch: for the small lists a page adds beside its main content (suggestions, recently
    viewed), where the prefetch's extra query is what the page cannot afford. Call
    primary_images_attach on the products read, which sets `primary_images` as the prefetch does.
    """
    primary = ProductImage.objects.filter(product_id=OuterRef("pk"), is_primary=True)
    annotated: QuerySet[Product] = qs.prefetch_related(None).annotate(
        primary_image_path=Subquery(primary.values("image")[:1]),
        primary_thumbnail_path=Subquery(primary.values("thumbnail")[:1]),
        primary_alt_text=Subquery(primary.values("alt_text")[:1]),
    )
    return annotated


def primary_images_attach(products: Iterable[Any]) -> list[Any]:
    """Set `primary_images` (a list of at most one unsaved ProductImage) on products read through
    with_primary_image, so templates and serializers read them like the prefetched ones."""
    out = []
    for product in products:
        path = getattr(product, "primary_image_path", None)
        product.primary_images = (
            [
                ProductImage(
                    product=product,
                    image=path,
                    thumbnail=getattr(product, "primary_thumbnail_path", None) or "",
                    alt_text=getattr(product, "primary_alt_text", None) or "",
                    is_primary=True,
                )
            ]
            if path
            else []
        )
        out.append(product)
    return out


def product_list(
    *, include_inactive: bool = False, hidden_category_ids: set[int] | None = None
) -> QuerySet[Product]:
    """Products for a list page: category, brand and primary image loaded.

    Shoppers see active products that have a price (at least one active variant), outside hidden
    categories (category_hidden_ids, computed here unless the caller has it already). `in_stock` is
    the stored column (catalog.services.products_refresh_in_stock keeps it), not a subquery: a
    correlated EXISTS over a list's 100,000 candidate rows reads every stock row before LIMIT.
    """
    qs = (
        Product.objects.select_related("category", "brand")
        .prefetch_related(_primary_image_prefetch())
        # A list shows neither; the search vector alone is a large share of each row.
        .defer("description", "search_vector")
    )
    if not include_inactive:
        qs = _shown_to_shoppers(qs, hidden_category_ids)
    return qs


def product_detail(
    *, include_inactive: bool = False, hidden_category_ids: set[int] | None = None
) -> QuerySet[Product]:
    """Products for a detail answer: images, variants (each with `in_stock`) in one query each.

    Availability is computed live here, for the product (`in_stock_now`) as for its variants: it is
    one product, so the EXISTS is cheap, and the detail then never disagrees with its own variants
    even in the moment between a stock commit and the refresh of the stored column.
    """
    variants = ProductVariant.objects.annotate(in_stock=variant_in_stock_expression())
    if not include_inactive:
        variants = variants.filter(is_active=True)
    qs: QuerySet[Product] = Product.objects.select_related("category", "brand").prefetch_related(
        Prefetch("images", queryset=ProductImage.objects.all(), to_attr="all_images"),
        Prefetch("variants", queryset=variants, to_attr="shown_variants"),
    )
    if not include_inactive:
        qs = _shown_to_shoppers(qs, hidden_category_ids)
    return qs.annotate(in_stock_now=product_in_stock_expression())


@dataclass
class SearchMatch:
    """The products a search found, and whether only the typo fallback found them (the words
    themselves matched nothing), which pages show as "did you mean"."""

    products: QuerySet[Product]
    typo: bool = False


def product_search(qs: QuerySet[Product], terms: str) -> QuerySet[Product]:
    """Filter `qs` to products matching `terms` and annotate `relevance` (higher is better).

    See product_search_match, which also says whether only the typo fallback matched.
    """
    return product_search_match(qs, terms).products


def product_search_match(qs: QuerySet[Product], terms: str) -> SearchMatch:
    """Filter `qs` to products matching `terms` and annotate `relevance` (higher is better).

    PostgreSQL: the weighted full-text vector (name and SKU A, brand and category B, descriptions
    C/D), a trigram word similarity on the name so small typos still match, and a plain substring
    match on the name, because the 'simple' configuration cannot split Chinese text into words.
    An exact name match always ranks first. Elsewhere (SQLite): a case-insensitive substring match
    over name, descriptions, brand and SKU, and the same typo fallback done in Python over the
    names (the embedded default holds a demo catalogue, not a large one).

    On PostgreSQL each match is an operator a GIN index serves (`@@` on the search vector, `LIKE`
    and `%>` on trigrams of the name), so finding the matches never scores every product; only the
    matches are ranked. The typo match is a fallback, tried only when the words themselves match
    nothing: at the threshold that still finds transposed letters ("lpatop" -> "Laptop", set per
    connection in shop/settings.py), a common word has tens of thousands of trigram neighbours
    ("Smartphones" ~ "Phones"), which would triple a correct search's cost and fill its tail with
    noise.
    """
    terms = terms.strip()
    if not terms:
        return SearchMatch(qs)
    # Names, descriptions, brand and category in every language: an English word and a Chinese
    # word both find the product, whatever the language of the page.
    names = _each_language("name")
    exact = Case(When(_any_of(names, "iexact", terms), then=Value(10.0)), default=Value(0.0))
    name_contains = _any_of(names, "icontains", terms)
    if connection.vendor == "postgresql":
        query = SearchQuery(terms, config=SEARCH_CONFIG, search_type="websearch")
        rank = SearchRank(F("search_vector"), query)
        similarity = Greatest(
            *(
                Coalesce(TrigramWordSimilarity(terms, name), Value(0.0), output_field=FloatField())
                for name in names
            )
        )
        match = Q(search_vector=query) | name_contains
        typo = not qs.filter(match).exists()
        if typo:
            # Alone, not ORed with the words that matched nothing: one predicate per name column,
            # each served by its own trigram index (a bitmap OR), not a table scan.
            match = _any_of(names, "trigram_word_similar", terms)
        products = qs.filter(match).annotate(
            relevance=exact + Coalesce(rank, Value(0.0), output_field=FloatField()) + similarity
        )
        return SearchMatch(products, typo=typo)
    sku_match = ProductVariant.objects.filter(product_id=OuterRef("pk"), sku__icontains=terms)
    found: Q | Combinable = (
        name_contains
        | _any_of(_each_language("short_description"), "icontains", terms)
        | _any_of(_each_language("description"), "icontains", terms)
        | _any_of(_each_language("brand__name"), "icontains", terms)
        | _any_of(_each_language("category__name"), "icontains", terms)
        | Exists(sku_match)
    )
    typo = not qs.filter(found).exists()
    if typo:
        rows = qs.order_by().values_list("pk", *names)[:TYPO_SCAN_LIMIT]
        found = Q(
            pk__in=[
                pk
                for pk, *texts in rows
                if any(text and _within_a_typo(terms, text) for text in texts)
            ]
        )
    return SearchMatch(
        qs.filter(found).annotate(
            relevance=exact + Case(When(name_contains, then=Value(1.0)), default=Value(0.0)),
        ),
        typo=typo,
    )


# The typo fallback off PostgreSQL: how alike a word must be (difflib's ratio; "lpatop" ~ "laptop"
# is 0.83), and how many names it reads at most.
TYPO_SIMILARITY = 0.75
TYPO_SCAN_LIMIT = 20_000
_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _within_a_typo(terms: str, name: str) -> bool:
    words = _words(name)
    return all(
        any(SequenceMatcher(None, term, word).ratio() >= TYPO_SIMILARITY for word in words)
        for term in _words(terms)
    )


def search_correction(terms: str, names: Iterable[str]) -> str:
    """What a mistyped search probably meant, from the names it found through the typo fallback:
    each word of `terms` replaced by the most alike word of those names ("" when none is alike)."""
    candidates = {word for name in names for word in _words(name)}
    corrected = []
    for term in _words(terms):
        best = max(
            candidates, key=lambda word: SequenceMatcher(None, term, word).ratio(), default=""
        )
        if not best or SequenceMatcher(None, term, best).ratio() < 0.5:  # nothing alike
            return ""
        corrected.append(best)
    answer = " ".join(corrected)
    return "" if answer == " ".join(_words(terms)) else answer


def brands_for_listing(*, category_ids: Iterable[int] | None = None) -> QuerySet[Brand]:
    """The brands a listing page offers as a filter: active ones with an active product (in these
    categories when given), by name."""
    qs = Brand.objects.filter(is_active=True, products__is_active=True)
    if category_ids is not None:
        qs = qs.filter(products__category_id__in=sorted(category_ids))
    return qs.distinct().order_by("name")


def _each_language(field: str) -> list[str]:
    """`name` -> ["name_zh_hans", "name_en"]: the columns of a translated field (the plain name
    would be rewritten to the active language's column alone)."""
    return [build_localized_fieldname(field, lang) for lang in AVAILABLE_LANGUAGES]


def _any_of(fields: Iterable[str], lookup: str, value: str) -> Q:
    q = Q()
    for name in fields:
        q |= Q(**{f"{name}__{lookup}": value})
    return q


def product_reviews(product: Product) -> QuerySet[Review]:
    return product.reviews.filter(is_visible=True).select_related("user").order_by("-created_at")


# --- Home page ---------------------------------------------------------------------------------------


@dataclass
class HomeSectionContent:
    section: HomeSection
    products: list[Product]

    @property
    def id(self) -> int:
        return self.section.pk

    @property
    def title(self) -> str:
        return self.section.title


@dataclass
class HomeContent:
    """What the home page and the `home/` endpoint show at one moment."""

    banners: list[Banner]
    sections: list[HomeSectionContent]
    # The next time a banner or section starts or ends: a cached copy must not outlive it.
    changes_at: datetime | None = None
    newest: list[Product] = field(default_factory=list)
    trending: list[Product] = field(default_factory=list)
    categories: list[CategoryNode] = field(default_factory=list)


def home_content(
    *,
    at: datetime | None = None,
    newest: int = 0,
    trending: int = 0,
    with_categories: bool = False,
) -> HomeContent:
    """The staff's banners and sections current `at` (default now), in their positions, each
    section's products as shoppers see them (active, priced, in a shown category) in the staff's
    order; sections left without products are not shown.

    The home page also asks for the `newest` and `trending` (best-selling, in stock) products and
    the category tree. Whatever the number of products, a fixed number of queries: the categories,
    the banners, the sections with their items, the ids of each list, then all the products at
    once with their primary images.
    """
    at = at or timezone.now()
    if with_categories:
        # One read of the tree serves both the navigation and which categories are hidden.
        key = _hidden_key()
        categories = _all_categories()
        hidden = _hidden_from([(c.pk, c.parent_id, c.is_active) for c in categories])
        _hidden_store(key, hidden)  # the page's other reads (suggestions) need it too
        tree = _tree_from(categories, include_inactive=False)
    else:
        hidden, tree = category_hidden_ids(), []

    # Not yet ended: the current ones, and the future ones whose start is the next change.
    not_ended = Q(ends_at__isnull=True) | Q(ends_at__gt=at)
    banners = list(Banner.objects.filter(not_ended, is_active=True).order_by("position", "pk"))
    items = list(
        HomeSectionProduct.objects.filter(section__is_active=True)
        .filter(Q(section__ends_at__isnull=True) | Q(section__ends_at__gt=at))
        .select_related("section")
        .order_by("section__position", "section_id", "position", "pk")
    )
    scheduled: list[Banner | HomeSection] = [*banners, *(item.section for item in items)]
    changes = [
        moment
        for row in scheduled
        for moment in (row.starts_at, row.ends_at)
        if moment is not None and moment > at
    ]

    def started(row: Banner | HomeSection) -> bool:
        return row.starts_at is None or row.starts_at <= at

    shown = product_list(hidden_category_ids=hidden)
    newest_ids = (
        list(shown.order_by("-created_at", "-id").values_list("pk", flat=True)[:newest])
        if newest
        else []
    )
    trending_ids = (
        list(
            shown.filter(in_stock=True)
            .order_by("-sales_count", "-id")
            .values_list("pk", flat=True)[:trending]
        )
        if trending
        else []
    )
    wanted = {item.product_id for item in items if started(item.section)}
    wanted.update(newest_ids, trending_ids)
    products = {p.pk: p for p in shown.filter(pk__in=sorted(wanted))} if wanted else {}

    sections: dict[int, HomeSectionContent] = {}
    for item in items:
        if started(item.section) and item.product_id in products:
            entry = sections.setdefault(item.section_id, HomeSectionContent(item.section, []))
            entry.products.append(products[item.product_id])
    return HomeContent(
        banners=[b for b in banners if started(b)],
        sections=list(sections.values()),
        changes_at=min(changes, default=None),
        newest=[products[pk] for pk in newest_ids if pk in products],
        trending=[products[pk] for pk in trending_ids if pk in products],
        categories=tree,
    )
