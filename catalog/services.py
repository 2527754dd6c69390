"""Write operations of the catalogue.

Each function keeps the denormalised columns of Product correct (price, compare_at_price, in_stock,
rating, search vector) and forgets cached answers on commit, so a shopper never sees a stale price.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count, Model, OuterRef, Subquery
from django.db.models.expressions import CombinedExpression
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from modeltranslation.settings import AVAILABLE_LANGUAGES, DEFAULT_LANGUAGE
from modeltranslation.utils import build_localized_fieldname
from PIL import Image, ImageOps, UnidentifiedImageError

from catalog import locks
from catalog.cache import catalog_cache_invalidate
from catalog.exceptions import (
    AlreadyReviewed,
    CategoryHasChildren,
    CategoryHasProducts,
    NotABuyer,
    PriceChangeInvalid,
)
from catalog.models import Brand, Category, Product, ProductImage, ProductVariant, Review
from catalog.queries import SEARCH_CONFIG, category_descendant_ids, product_in_stock_expression
from core.exceptions import DomainError
from core.money import AmountTooLarge, max_unit_price, money, unit_price_too_large
from core.transactions import on_commit_robust

if TYPE_CHECKING:
    from accounts.models import User

# Rating averages keep two decimals (rating_avg's column); a rating is not money, so it is rounded
# like Decimal does by default (half-even), not with core.money.money().
RATING_STEP = Decimal("0.01")
THUMBNAIL_SIZE = (400, 400)
# Default cap on an image's pixels (settings.IMAGE_MAX_PIXELS): 40 Mpx is a large camera photo,
# and decoding one takes ~160 MB; Pillow's own limit (~89 Mpx warns, ~179 Mpx refuses) is far more.
IMAGE_MAX_PIXELS = 40_000_000
# Ids per UPDATE of the in_stock refresh (SQLite allows at most 32,766 parameters in a query).
REFRESH_BATCH = 1000
ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def localized(*names: str) -> set[str]:
    """The per-language columns of translated fields: name -> {name_zh_hans, name_en}
    (catalog/translation.py). Services accept them beside the plain name, which means the active
    language's column (and fills the Chinese one too when a row is created)."""
    return {build_localized_fieldname(n, lang) for n in names for lang in AVAILABLE_LANGUAGES}


PRODUCT_FIELDS = {
    "name",
    "slug",
    "short_description",
    "description",
    "category",
    "brand",
    "attributes",
    "is_active",
    "is_featured",
    "is_digital",
    "requires_shipping",
    "weight",
} | localized("name", "short_description", "description")
VARIANT_FIELDS = {
    "sku",
    "name",
    "price",
    "compare_at_price",
    "cost_price",
    "barcode",
    "weight",
    "attributes",
    "is_active",
    "sort_order",
} | localized("name")
CATEGORY_FIELDS = {
    "name",
    "slug",
    "description",
    "parent",
    "sort_order",
    "is_active",
    "image",
} | localized("name", "description")


def _invalidate_on_commit(product_ids: Iterable[int]) -> None:
    """Forget cached answers once the write is durable. Robust: a cache error after the commit is
    logged, never turned into an error for a write that is already saved (answers expire anyway)."""
    on_commit_robust(catalog_cache_invalidate, sorted({int(pk) for pk in product_ids}))


def unique_slug(
    model: type[Product | Category | Brand],
    *,
    text: str,
    exclude_pk: int | None = None,
    max_length: int = 200,
) -> str:
    """A slug from `text` (Chinese kept), suffixed -2, -3... until no other row has it."""
    base = slugify(text, allow_unicode=True)[:max_length] or "item"
    slug, n = base, 1
    qs = model.objects.exclude(pk=exclude_pk) if exclude_pk else model.objects.all()
    while qs.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


# --- Denormalised fields -----------------------------------------------------------------------------


def product_refresh_price(product: Product) -> Product:
    """Store the lowest active variant price (and that variant's compare-at price) on the product.

    Lists filter and sort on Product.price, an indexed column, instead of a subquery per row; this
    is the only place that computes it. No active variant -> no price (hidden from shoppers).
    """
    cheapest = (
        ProductVariant.objects.filter(product=product, is_active=True)
        .order_by("price", "sort_order", "pk")
        .values("price", "compare_at_price")
        .first()
    )
    product.price = cheapest["price"] if cheapest else None
    compare = cheapest["compare_at_price"] if cheapest else None
    # A compare-at price that is not above the price is no discount; don't show one.
    has_discount = compare is not None and product.price is not None and compare > product.price
    product.compare_at_price = compare if has_discount else None
    Product.objects.filter(pk=product.pk).update(
        price=product.price, compare_at_price=product.compare_at_price
    )
    _invalidate_on_commit([product.pk])
    return product


def products_refresh_in_stock(product_ids: Iterable[int] | None = None) -> int:
    """Recompute Product.in_stock for these products (all when None).

    First the ids whose stored value disagrees with their stock are read (a plain SELECT: a stock
    change that does not cross zero writes and locks nothing), then only those rows are updated,
    the condition checked again in the UPDATE. Knowing the ids, exactly their cached answers (and
    every cached list) are forgotten on commit, also for the reconciliation over every product.
    Returns how many rows changed.

    Called by inventory on commit of every stock change, by the variant services here, on a
    warehouse's (de)activation, and periodically as a reconciliation (inventory.tasks).
    """
    qs = Product.objects.all()
    if product_ids is not None:
        ids = sorted({int(pk) for pk in product_ids})
        if not ids:
            return 0
        qs = qs.filter(pk__in=ids)
    available = product_in_stock_expression()
    drifted = list(qs.exclude(in_stock=available).order_by("pk").values_list("pk", flat=True))
    changed = 0
    for start in range(0, len(drifted), REFRESH_BATCH):
        batch = drifted[start : start + REFRESH_BATCH]
        changed += (
            Product.objects.filter(pk__in=batch)
            .exclude(in_stock=available)
            .update(in_stock=available)
        )
    if drifted:
        _invalidate_on_commit(drifted)
    return changed


def product_search_vector_expression() -> CombinedExpression:
    """The weighted document of a product, for an UPDATE over many rows at once."""
    skus = Subquery(
        ProductVariant.objects.filter(product_id=OuterRef("pk"))
        .order_by()
        .values("product_id")
        .annotate(skus=StringAgg("sku", delimiter=" "))
        .values("skus")[:1]
    )

    # Every language's text (name_zh_hans, name_en, ...): a shopper finds a product by its
    # Chinese or its English words, whatever the language of the page.
    def each(field: str) -> list[str]:
        return [build_localized_fieldname(field, lang) for lang in AVAILABLE_LANGUAGES]

    brand = [
        Subquery(Brand.objects.filter(pk=OuterRef("brand_id")).values(name)[:1])
        for name in each("name")
    ]
    category = [
        Subquery(Category.objects.filter(pk=OuterRef("category_id")).values(name)[:1])
        for name in each("name")
    ]
    cfg = SEARCH_CONFIG
    return (
        SearchVector(*each("name"), weight="A", config=cfg)
        + SearchVector(skus, weight="A", config=cfg)
        + SearchVector(*brand, *category, weight="B", config=cfg)
        + SearchVector(*each("short_description"), weight="C", config=cfg)
        + SearchVector(*each("description"), weight="D", config=cfg)
    )


def products_refresh_search_vector(product_ids: Iterable[int] | None = None) -> int:
    """Recompute Product.search_vector for these products (all when None), one UPDATE.

    Only PostgreSQL has full-text search; elsewhere search is a substring match and this does
    nothing.
    """
    if connection.vendor != "postgresql":
        return 0
    qs = Product.objects.all()
    if product_ids is not None:
        qs = qs.filter(pk__in=list(product_ids))
    return qs.update(search_vector=product_search_vector_expression())


def product_sync(product: Product) -> Product:
    """Recompute everything derived on a product after an edit made outside the other services
    (the admin's forms and inlines save models directly)."""
    product_refresh_price(product)
    products_refresh_in_stock([product.pk])
    products_refresh_search_vector([product.pk])
    image_ensure_primary(product)
    for image in product.images.filter(thumbnail=""):
        _image_make_thumbnail(image)
    _invalidate_on_commit([product.pk])
    return product


# --- Products ----------------------------------------------------------------------------------------


def _save_fields(obj: Model, fields: Iterable[str]) -> None:
    """Save only `fields` (and updated_at) of an existing row; nothing passed -> no write."""
    names = list(fields)
    if names:
        extra = ["updated_at"] if any(f.name == "updated_at" for f in obj._meta.fields) else []
        obj.save(update_fields=[*names, *extra])


def _check_fields(data: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")


@transaction.atomic
def product_create(
    *, name: str, category: Category, variants: Sequence[dict[str, Any]] = (), **fields: Any
) -> Product:
    """Create a product, optionally with its variants, and compute its price and search vector."""
    _check_fields(fields, PRODUCT_FIELDS - {"name", "category"})
    slug = fields.pop("slug", None) or unique_slug(Product, text=name)
    product = Product(name=name, slug=slug, category=category, **fields)
    product.full_clean(exclude=["category", "brand"])
    product.save()
    for data in variants:
        _variant_save(ProductVariant(product=product), data)
    product_refresh_price(product)
    products_refresh_in_stock([product.pk])
    products_refresh_search_vector([product.pk])
    _invalidate_on_commit([product.pk])
    return product


@transaction.atomic
def product_update(product: Product, **fields: Any) -> Product:
    """Change a product's own fields. Prices live on variants (variant_update)."""
    _check_fields(fields, PRODUCT_FIELDS)
    for name, value in fields.items():
        setattr(product, name, value)
    if "slug" in fields and not product.slug:
        product.slug = unique_slug(Product, text=product.name, exclude_pk=product.pk)
    product.full_clean(exclude=["category", "brand"])
    # Only the fields passed: price, rating, sales and stock flag belong to other services, and
    # this instance may be older than their last commit.
    _save_fields(product, fields)
    products_refresh_search_vector([product.pk])
    _invalidate_on_commit([product.pk])
    return product


@transaction.atomic
def product_deactivate(product: Product) -> Product:
    """Soft delete: the product disappears from shoppers but stays for orders, stock and staff."""
    product.is_active = False
    product.save(update_fields=["is_active", "updated_at"])
    _invalidate_on_commit([product.pk])
    return product


@transaction.atomic
def products_set_flags(
    product_ids: Iterable[int], *, is_active: bool | None = None, is_featured: bool | None = None
) -> int:
    """Bulk (de)activate or (un)feature products, for the admin's actions."""
    ids = list(product_ids)
    changes = {}
    if is_active is not None:
        changes["is_active"] = is_active
    if is_featured is not None:
        changes["is_featured"] = is_featured
    if not changes or not ids:
        return 0
    # Locked in pk order first (catalog.locks.products_lock), then one UPDATE of the locked rows.
    count = Product.objects.filter(pk__in=locks.products_lock(ids)).update(**changes)
    _invalidate_on_commit(ids)
    return count


# Columns a duplicate does not copy: its own identity and what the services derive (price, rating,
# sales, stock flag, search vector), which start over for a new, inactive product.
_DUPLICATE_SKIP = {
    "id",
    "slug",
    "is_active",
    "is_featured",
    "price",
    "compare_at_price",
    "rating_avg",
    "review_count",
    "sales_count",
    "in_stock",
    "search_vector",
    "created_at",
    "updated_at",
}
SKU_MAX_LENGTH = 64


def _copied_values(obj: Model, skip: set[str]) -> dict[str, Any]:
    """Every concrete column of `obj` but `skip` and foreign keys' ids (by attname), so that
    columns added later (translations of the name, say) are copied too."""
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.name not in skip and f.attname not in skip
    }


def _unique_sku(sku: str, taken: set[str]) -> str:
    """`<sku>-COPY`, then `-COPY2`, ... within the column's length, free in the database and in
    `taken` (the SKUs this duplicate already used)."""
    n = 1
    while True:
        suffix = "-COPY" if n == 1 else f"-COPY{n}"
        candidate = sku[: SKU_MAX_LENGTH - len(suffix)] + suffix
        if candidate not in taken and not ProductVariant.objects.filter(sku=candidate).exists():
            taken.add(candidate)
            return candidate
        n += 1


@transaction.atomic
def product_duplicate(product: Product, *, actor: User | None = None) -> Product:
    """A copy of `product` and its variants to edit into a new product: inactive (nobody sees it
    before staff check it), a new unique slug and SKUs, no stock, images, reviews or sales."""
    values = _copied_values(product, _DUPLICATE_SKIP)
    copy = Product(**values)
    copy.name = str(_("%(name)s (copy)") % {"name": product.name})[:200]
    copy.slug = unique_slug(Product, text=f"{product.slug}-copy", max_length=200)
    copy.is_active = False
    copy.full_clean(exclude=["category", "brand"])
    copy.save()
    taken: set[str] = set()
    for variant in product.variants.order_by("sort_order", "pk"):
        values = _copied_values(variant, {"id", "product", "sku", "created_at", "updated_at"})
        new = ProductVariant(**values)
        new.product = copy
        new.sku = _unique_sku(variant.sku, taken)
        new.full_clean(exclude=["product"])
        new.save()
    product_refresh_price(copy)
    products_refresh_in_stock([copy.pk])
    products_refresh_search_vector([copy.pk])
    _invalidate_on_commit([copy.pk])
    return copy


PRICE_CHANGE_MIN_PERCENT = Decimal("-100")
PRICE_CHANGE_MAX_PERCENT = Decimal("1000")


def price_change_percent(value: Decimal | int | str) -> Decimal:
    """A percentage for variants_reprice: a number above -100 (a price never reaches 0 this way)
    and at most +1000."""
    try:
        percent = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise PriceChangeInvalid() from None
    if not percent.is_finite() or not (
        PRICE_CHANGE_MIN_PERCENT < percent <= PRICE_CHANGE_MAX_PERCENT
    ):
        raise PriceChangeInvalid()
    return percent


def repriced(price: Decimal, percent: Decimal) -> Decimal:
    """`price` changed by `percent`, rounded half-up to the cent (core.money)."""
    return money(price * (Decimal(100) + percent) / Decimal(100))


@transaction.atomic
def variants_reprice(
    product_ids: Iterable[int], *, percent: Decimal | int | str, actor: User | None = None
) -> int:
    """Change the price of every variant of these products by `percent` (10 = 10 % dearer, -15 =
    15 % cheaper), rounded half-up to the cent, all or nothing: a new price above MAX_UNIT_PRICE
    refuses the whole change (amount_too_large). Compare-at prices stay, so a cut shows as a
    discount. The products' shown prices follow. Returns how many variants changed."""
    change = price_change_percent(percent)
    ids = locks.products_lock(product_ids)  # products in pk order, before their variants
    variants = list(ProductVariant.objects.filter(product_id__in=ids).order_by("pk"))
    changed = []
    now = timezone.now()
    for variant in variants:
        new_price = repriced(variant.price, change)
        if variant.price > 0 and new_price <= 0:
            # Above -100 % yet rounded to the cent: 0.01 - 60 % is 0.004, 0.00. Never free.
            raise PriceChangeInvalid(
                _("%(sku)s would cost %(price)s: a price cut never makes goods free.")
                % {"sku": variant.sku, "price": new_price},
                extra={"field": "percent", "sku": variant.sku},
            )
        if unit_price_too_large(new_price):
            raise AmountTooLarge(
                _("%(sku)s would cost %(price)s; a price may be at most %(max)s.")
                % {"sku": variant.sku, "price": new_price, "max": max_unit_price()},
                extra={"field": "price", "max_amount": str(max_unit_price()), "sku": variant.sku},
            )
        if new_price != variant.price:
            variant.price = new_price
            variant.updated_at = now
            changed.append(variant)
    ProductVariant.objects.bulk_update(changed, ["price", "updated_at"], batch_size=500)
    for product in Product.objects.filter(pk__in=ids).order_by("pk"):
        product_refresh_price(product)
    _invalidate_on_commit(ids)
    return len(changed)


# --- Variants ----------------------------------------------------------------------------------------


def _fill_default_language(obj: Model, data: dict[str, Any], fields: Iterable[str]) -> None:
    """A new row's plain `name` (written in the active language) is its Chinese text too, unless
    the Chinese text was given: the fallback of every language must have something to show. (The
    constructor does this by itself: settings.MODELTRANSLATION_AUTO_POPULATE.)"""
    for name in fields:
        default = build_localized_fieldname(name, DEFAULT_LANGUAGE)
        if name in data and default not in data:
            setattr(obj, default, data[name])


def _variant_save(variant: ProductVariant, data: dict[str, Any]) -> ProductVariant:
    _check_fields(data, VARIANT_FIELDS)
    if variant.pk is None:
        _fill_default_language(variant, data, ["name"])
    for name, value in data.items():
        if name in ("price", "compare_at_price", "cost_price"):
            # Checked before quantizing: a huge value makes quantize raise InvalidOperation.
            if unit_price_too_large(value):
                raise AmountTooLarge(
                    _("A price may be at most %(max)s.") % {"max": max_unit_price()},
                    extra={"field": name, "max_amount": str(max_unit_price())},
                )
            value = None if value is None else money(value)
        setattr(variant, name, value)
    variant.full_clean(exclude=["product"])
    if variant.pk is None:
        variant.save()
    else:
        _save_fields(variant, data)
    return variant


@transaction.atomic
def variant_create(product: Product, **data: Any) -> ProductVariant:
    locks.product_lock(product.pk)
    variant = _variant_save(ProductVariant(product=product), data)
    product_refresh_price(product)
    products_refresh_in_stock([product.pk])
    products_refresh_search_vector([product.pk])
    return variant


@transaction.atomic
def variant_update(variant: ProductVariant, **data: Any) -> ProductVariant:
    locks.product_lock(variant.product_id)
    _variant_save(variant, data)
    product_refresh_price(variant.product)
    # (De)activating a variant can make or unmake the product's only available stock.
    products_refresh_in_stock([variant.product_id])
    products_refresh_search_vector([variant.product_id])
    return variant


@transaction.atomic
def variant_delete(variant: ProductVariant) -> bool:
    """Delete a variant, or only deactivate it when stock or orders still refer to it (their
    history must stay intact). Returns True when the row was really deleted."""
    product = variant.product
    locks.product_lock(product.pk)
    # Through the reverse relations by name (inventory's stock rows, orders' lines): catalog sits
    # below both and imports neither (docs/architecture.md).
    referenced = variant.stocks.exists() or variant.order_lines.exists()
    if referenced:
        variant.is_active = False
        variant.save(update_fields=["is_active", "updated_at"])
    else:
        variant.delete()
    product_refresh_price(product)
    products_refresh_in_stock([product.pk])
    products_refresh_search_vector([product.pk])
    return not referenced


@transaction.atomic
def variant_import(
    *,
    sku: str,
    product_slug: str,
    product_name: str = "",
    category: Category | None = None,
    brand: Brand | None = None,
    actor: User | None = None,
    **data: Any,
) -> tuple[ProductVariant, bool]:
    """One row of a catalogue import: the variant `sku` of the product `product_slug`, each made
    when missing (a new product needs a name and a category) and otherwise changed only where the
    row differs, through product_create/product_update and variant_create/variant_update. Returns
    (variant, created). Atomic: a refused row leaves nothing behind (the import reports it)."""
    _check_fields(data, VARIANT_FIELDS - {"sku"})
    product = Product.objects.filter(slug=product_slug).first()
    if product is None:
        if not product_name or category is None:
            raise ValidationError(
                _("A new product needs a name and a category."), code="product_incomplete"
            )
        product = product_create(
            name=product_name, slug=product_slug, category=category, brand=brand
        )
    else:
        wanted: dict[str, Any] = {"name": product_name, "category": category, "brand": brand}
        changes = {
            name: value
            for name, value in wanted.items()
            if value not in (None, "") and getattr(product, name) != value
        }
        if changes:
            product_update(product, **changes)
    variant = ProductVariant.objects.filter(sku=sku).first()
    if variant is None:
        return variant_create(product, sku=sku, **data), True
    if variant.product_id != product.pk:
        raise ValidationError(
            _("SKU %(sku)s belongs to another product.") % {"sku": sku}, code="sku_taken"
        )
    changes = {name: value for name, value in data.items() if getattr(variant, name) != value}
    if changes:
        variant_update(variant, **changes)
    return variant, False


# --- Images ------------------------------------------------------------------------------------------


def _too_many_pixels() -> ValidationError:
    limit = getattr(settings, "IMAGE_MAX_PIXELS", IMAGE_MAX_PIXELS)
    return ValidationError(
        _("The image has too many pixels (at most %(mpx)s million).")
        % {"mpx": f"{limit / 1_000_000:g}"},
        code="image_too_many_pixels",
    )


def _open_image(source: File[Any] | IO[bytes]) -> Image.Image:
    """Image.open with our pixel cap checked from the header, before anything is decoded.

    A decompression bomb is a tiny file that decodes to gigabytes; Pillow refuses only the largest
    ones (and merely warns below that), so anything over settings.IMAGE_MAX_PIXELS is refused here.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(source)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels() from exc
    width, height = img.size
    if width * height > getattr(settings, "IMAGE_MAX_PIXELS", IMAGE_MAX_PIXELS):
        # Not img.close(): that would close the caller's file too (nothing was decoded anyway).
        raise _too_many_pixels()
    return img


def image_validate(upload: File[Any]) -> None:
    """Refuse anything but a real JPEG/PNG/WebP/GIF image of at most IMAGE_UPLOAD_MAX_BYTES and
    IMAGE_MAX_PIXELS.

    The content is checked with Pillow, never trusted from the file name or content type.
    """
    limit = settings.IMAGE_UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("The image is too large (at most %(mb)s MB).") % {"mb": limit // (1024 * 1024)},
            code="file_too_large",
        )
    try:
        upload.seek(0)
        with _open_image(upload) as img:
            fmt = img.format
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(_("The file is not a valid image."), code="invalid_image") from exc
    finally:
        upload.seek(0)
    if fmt not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(
            _("Only JPEG, PNG, WebP and GIF images are accepted."), code="invalid_image_type"
        )


def thumbnail_bytes(source: File[Any] | IO[bytes]) -> bytes:
    """A JPEG at most THUMBNAIL_SIZE, transparency flattened onto white, for lists and carts."""
    with _open_image(source) as img:
        img = ImageOps.exif_transpose(img)
        img.thumbnail(THUMBNAIL_SIZE)
        if img.mode in ("RGBA", "LA", "P"):
            img = img.convert("RGBA")
            background = Image.new("RGB", img.size, (255, 255, 255))
            background.paste(img, mask=img.getchannel("A"))
            img = background
        elif img.mode != "RGB":
            img = img.convert("RGB")
        out = io.BytesIO()
        img.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def _image_make_thumbnail(image: ProductImage) -> None:
    image.image.open("rb")
    try:
        data = thumbnail_bytes(image.image)
    finally:
        image.image.close()
    assert image.image.name is not None  # a stored image has a name
    stem = os.path.splitext(os.path.basename(image.image.name))[0]
    image.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(data), save=False)
    image.save(update_fields=["thumbnail"])


def image_ensure_primary(product: Product) -> None:
    """Exactly one primary image per product that has images: lists show it."""
    images = list(product.images.order_by("-is_primary", "sort_order", "pk"))
    if images and not any(i.is_primary for i in images):
        ProductImage.objects.filter(pk=images[0].pk).update(is_primary=True)


@transaction.atomic
def image_add(
    product: Product,
    *,
    upload: File[Any],
    alt_text: str = "",
    is_primary: bool = False,
    sort_order: int = 0,
) -> ProductImage:
    """Store a validated image and its thumbnail. The first image of a product becomes primary."""
    image_validate(upload)
    has_images = product.images.exists()
    make_primary = is_primary or not has_images
    if make_primary and has_images:
        product.images.filter(is_primary=True).update(is_primary=False)
    image = ProductImage(
        product=product, alt_text=alt_text, is_primary=make_primary, sort_order=sort_order
    )
    image.image.save(os.path.basename(upload.name or "image"), upload, save=False)
    upload.seek(0)
    assert image.image.name is not None  # saved just above
    stem = os.path.splitext(os.path.basename(image.image.name))[0]
    image.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(thumbnail_bytes(upload)), save=False)
    image.save()
    _invalidate_on_commit([product.pk])
    return image


@transaction.atomic
def image_update(image: ProductImage, **data: Any) -> ProductImage:
    """Change alt text, order, or make this image the primary one."""
    _check_fields(data, {"alt_text", "sort_order", "is_primary"})
    if data.get("is_primary"):
        image.product.images.exclude(pk=image.pk).update(is_primary=False)
    for name, value in data.items():
        setattr(image, name, value)
    _save_fields(image, data)
    image_ensure_primary(image.product)
    _invalidate_on_commit([image.product_id])
    return image


@transaction.atomic
def image_delete(image: ProductImage) -> None:
    """Delete the row now and the files after commit (a rollback must not lose files)."""
    product = image.product
    files = [f.name for f in (image.image, image.thumbnail) if f.name]
    storage = image.image.storage
    # Demo data shares files between products; delete a file only when no other row uses it.
    image.delete()
    image_ensure_primary(product)

    def delete_files() -> None:
        for name in files:
            still_used = ProductImage.objects.filter(image=name).exists() or (
                ProductImage.objects.filter(thumbnail=name).exists()
            )
            if not still_used:
                storage.delete(name)

    transaction.on_commit(delete_files)
    _invalidate_on_commit([product.pk])


# --- Categories and brands ---------------------------------------------------------------------------


def _category_check_parent(category: Category, parent: Category | None) -> None:
    if parent is None or category.pk is None:
        return
    if parent.pk in category_descendant_ids(category.pk):
        raise ValidationError(
            {"parent": _("A category cannot be placed under itself or one of its descendants.")},
            code="category_cycle",
        )


def _category_product_ids(category_ids: Iterable[int]) -> list[int]:
    return list(Product.objects.filter(category_id__in=category_ids).values_list("pk", flat=True))


@transaction.atomic
def category_create(*, name: str, **fields: Any) -> Category:
    _check_fields(fields, CATEGORY_FIELDS - {"name"})
    slug = fields.pop("slug", None) or unique_slug(Category, text=name, max_length=110)
    category = Category(name=name, slug=slug, **fields)
    category.full_clean(exclude=["parent"])
    category.save()
    _invalidate_on_commit([])
    return category


@transaction.atomic
def category_update(category: Category, **fields: Any) -> Category:
    """Rename, move or (de)activate a category. A move may not create a cycle."""
    _check_fields(fields, CATEGORY_FIELDS)
    if "parent" in fields:
        _category_check_parent(category, fields["parent"])
    if fields.get("image") is False:
        # A form's cleared file input gives False; the field stores "no file" as "".
        fields["image"] = ""
    for name, value in fields.items():
        setattr(category, name, value)
    category.full_clean(exclude=["parent"])
    _save_fields(category, fields)
    if {"is_active", "parent"} & set(fields):
        # Shoppers see a product only under a fully active branch: the whole subtree may change.
        product_ids = _category_product_ids(category_descendant_ids(category.pk))
    else:
        product_ids = _category_product_ids([category.pk])
    if {"name", *localized("name")} & set(fields):
        products_refresh_search_vector(product_ids)
    _invalidate_on_commit(product_ids)
    return category


@transaction.atomic
def category_delete(category: Category) -> None:
    """Delete an empty leaf category. Products (even inactive) or children -> 409."""
    if Product.objects.filter(category=category).exists():
        raise CategoryHasProducts()
    if Category.objects.filter(parent=category).exists():
        raise CategoryHasChildren()
    category.delete()
    _invalidate_on_commit([])


@transaction.atomic
def brand_save(brand: Brand, *, fields: Iterable[str] | None = None) -> Brand:
    """Create or change a brand; its products' search vectors and cached answers follow. A change
    with `fields` writes only those columns."""
    if not brand.slug:
        brand.slug = unique_slug(Brand, text=brand.name, exclude_pk=brand.pk, max_length=110)
        fields = None if fields is None else [*fields, "slug"]
    if brand.pk is None or fields is None:
        brand.save()
    else:
        _save_fields(brand, fields)
    product_ids = list(brand.products.values_list("pk", flat=True))
    products_refresh_search_vector(product_ids)
    _invalidate_on_commit(product_ids)
    return brand


@transaction.atomic
def brand_delete(brand: Brand) -> None:
    """Delete a brand. Its products stay, without a brand: their search vectors (which include the
    brand's name) and cached answers follow."""
    product_ids = list(brand.products.values_list("pk", flat=True))
    brand.delete()
    products_refresh_search_vector(product_ids)
    _invalidate_on_commit(product_ids)


# --- Home page content ---------------------------------------------------------------------------


def home_content_changed() -> None:
    """Banners or home sections were edited (the admin saves them directly): cached home answers
    and pages are forgotten once the edit commits."""
    _invalidate_on_commit([])


# --- Reviews -----------------------------------------------------------------------------------------


# Who may review a product is the orders app's knowledge (a buyer has a delivered order with it).
# Catalog sits below orders and never imports it, so orders registers its check when the app is
# ready (orders.apps.OrdersConfig.ready). Without a check nobody counts as a buyer: reviews are
# refused rather than opened to everyone.
_buyer_check: Callable[..., bool] | None = None


def review_buyer_check_register(check: Callable[..., bool]) -> None:
    """Set the rule review_create asks: `check(user, product=product)` -> has this user bought it."""
    global _buyer_check
    _buyer_check = check


def _is_buyer(user: User, product: Product) -> bool:
    return _buyer_check is not None and _buyer_check(user, product=product)


def review_refusal(user: User, product: Product) -> DomainError | None:
    """Why a signed-in `user` may not review `product` now (the error review_create would raise,
    for a page to say instead of showing the form), or None when they may."""
    if Review.objects.filter(user=user, product=product).exists():
        return AlreadyReviewed()
    if not _is_buyer(user, product):
        return NotABuyer()
    return None


def product_refresh_rating(product: Product) -> Product:
    """Recompute rating_avg and review_count from the visible reviews (one aggregate query)."""
    stats = Review.objects.filter(product=product, is_visible=True).aggregate(
        avg=Avg("rating"), count=Count("pk")
    )
    product.review_count = stats["count"]
    product.rating_avg = (
        Decimal(str(stats["avg"])).quantize(RATING_STEP)
        if stats["avg"] is not None
        else Decimal("0.00")
    )
    Product.objects.filter(pk=product.pk).update(
        rating_avg=product.rating_avg, review_count=product.review_count
    )
    _invalidate_on_commit([product.pk])
    return product


@transaction.atomic
def review_create(
    *, user: User, product: Product, rating: int, body: str, title: str = ""
) -> Review:
    """A buyer's review, once per product. Not a buyer -> 403; a second review -> 409."""
    if not _is_buyer(user, product):
        raise NotABuyer()
    if Review.objects.filter(user=user, product=product).exists():
        raise AlreadyReviewed()
    review = Review(user=user, product=product, rating=rating, title=title, body=body)
    review.full_clean(exclude=["user", "product"])
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as exc:  # a concurrent request of the same user won the race
        raise AlreadyReviewed() from exc
    # Lock the product row so two concurrent reviews cannot both write an outdated average.
    locks.product_lock(product.pk)
    product_refresh_rating(product)
    return review


@transaction.atomic
def review_set_visible(review: Review, *, visible: bool) -> Review:
    """Hide (or show again) a review; the product's rating counts visible reviews only."""
    review.is_visible = visible
    review.save(update_fields=["is_visible", "updated_at"])
    locks.product_lock(review.product_id)
    product_refresh_rating(review.product)
    return review


def review_hide(review: Review) -> Review:
    return review_set_visible(review, visible=False)
