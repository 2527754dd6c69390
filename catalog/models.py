from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from modeltranslation.manager import MultilingualManager

from core.money import validate_unit_price


class Category(models.Model):
    """A node of the category tree. The whole tree is read in one query and assembled in Python
    (catalog.queries), so no tree library is needed at the depths a shop has."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    image = models.ImageField(_("image"), upload_to="categories/", blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # One column per language (catalog/translation.py), added by modeltranslation at start-up.
    name_zh_hans: str | None
    name_en: str | None
    description_zh_hans: str | None
    description_en: str | None
    # Declared, not patched in by modeltranslation at start-up, so that type checkers know it:
    # queries rewrite `name` to the active language's column.
    objects: MultilingualManager[Category] = MultilingualManager()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="catalog_category_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Brand(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, allow_unicode=True)
    logo = models.ImageField(_("logo"), upload_to="brands/", blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    # One column per language (catalog/translation.py), added by modeltranslation at start-up.
    name_zh_hans: str | None
    name_en: str | None
    # Declared, not patched in by modeltranslation at start-up, so that type checkers know it:
    # queries rewrite `name` to the active language's column.
    objects: MultilingualManager[Brand] = MultilingualManager()

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True, allow_unicode=True)
    short_description = models.CharField(_("short description"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    brand = models.ForeignKey(
        Brand,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("brand"),
    )
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True, db_index=True)
    is_featured = models.BooleanField(_("featured"), default=False)
    is_digital = models.BooleanField(_("digital"), default=False)
    requires_shipping = models.BooleanField(_("requires shipping"), default=True)
    weight = models.DecimalField(
        _("weight (kg)"), max_digits=8, decimal_places=3, null=True, blank=True
    )
    # Denormalised, kept correct by catalog.services: the shown price is the lowest active variant
    # price, stored so that lists filter and sort on an indexed column instead of a subquery.
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, null=True, blank=True, editable=False
    )
    compare_at_price = models.DecimalField(
        _("compare-at price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    rating_avg = models.DecimalField(
        _("average rating"), max_digits=3, decimal_places=2, default=Decimal("0"), editable=False
    )
    review_count = models.PositiveIntegerField(_("reviews"), default=0, editable=False)
    sales_count = models.PositiveIntegerField(_("units sold"), default=0, editable=False)
    # Denormalised, kept correct by catalog.services.products_refresh_in_stock: some active variant
    # has units to sell (quantity - quantity_allocated > 0) in an active warehouse. Stored so that
    # the list's `in_stock` filter and its COUNT read a column instead of joining every stock row.
    in_stock = models.BooleanField(_("in stock"), default=False, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # One column per language (catalog/translation.py), added by modeltranslation at start-up.
    name_zh_hans: str | None
    name_en: str | None
    short_description_zh_hans: str | None
    short_description_en: str | None
    description_zh_hans: str | None
    description_en: str | None
    # Declared, not patched in by modeltranslation at start-up, so that type checkers know it:
    # queries rewrite `name` to the active language's column.
    objects: MultilingualManager[Product] = MultilingualManager()

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["is_active", "price"], name="catalog_product_active_price"),
            models.Index(fields=["is_active", "-sales_count"], name="catalog_product_active_sales"),
            models.Index(fields=["category", "is_active"], name="catalog_product_cat_active"),
            # The shopper's "in stock" list: only the rows it can show, in best-seller order, so
            # both the page and the paginator's COUNT read this small index alone.
            models.Index(
                fields=["-sales_count", "-id"],
                condition=Q(is_active=True, in_stock=True, price__isnull=False),
                name="catalog_product_instock_sales",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductVariant(models.Model):
    """The sellable unit. A product without options has exactly one (default) variant."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="variants", verbose_name=_("product")
    )
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    # validate_unit_price: MAX_UNIT_PRICE, so that a full cart line still fits an order (core.money).
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, validators=[validate_unit_price]
    )
    compare_at_price = models.DecimalField(
        _("compare-at price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[validate_unit_price],
    )
    cost_price = models.DecimalField(
        _("cost price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[validate_unit_price],
    )
    barcode = models.CharField(_("barcode"), max_length=64, blank=True)
    weight = models.DecimalField(
        _("weight (kg)"), max_digits=8, decimal_places=3, null=True, blank=True
    )
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # One column per language (catalog/translation.py), added by modeltranslation at start-up.
    name_zh_hans: str | None
    name_en: str | None
    # Declared, not patched in by modeltranslation at start-up, so that type checkers know it:
    # queries rewrite `name` to the active language's column.
    objects: MultilingualManager[ProductVariant] = MultilingualManager()

    class Meta:
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="catalog_variant_price_gte_0"),
            models.CheckConstraint(
                condition=Q(compare_at_price__isnull=True) | Q(compare_at_price__gte=0),
                name="catalog_variant_compare_at_price_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(cost_price__isnull=True) | Q(cost_price__gte=0),
                name="catalog_variant_cost_price_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} / {self.name}" if self.name else self.product.name


class ProductImage(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("product")
    )
    image = models.ImageField(_("image"), upload_to="products/%Y/%m/")
    # A small copy for lists and carts, made from `image` by catalog.services.
    thumbnail = models.ImageField(_("thumbnail"), upload_to="products/thumbs/%Y/%m/", blank=True)
    alt_text = models.CharField(_("alt text"), max_length=200, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_primary = models.BooleanField(_("primary"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        ordering = ["-is_primary", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product"],
                condition=Q(is_primary=True),
                name="catalog_image_one_primary_per_product",
            ),
        ]

    def __str__(self) -> str:
        return self.alt_text or self.image.name or ""


# The longest review body a shopper may write, on the API and on the product page alike.
REVIEW_BODY_MAX_LENGTH = 5000


class Review(models.Model):
    """A buyer's review. Who may write one is decided in catalog.services (delivered orders only)."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("product")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("user"),
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("review"))
    is_visible = models.BooleanField(_("visible"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["product", "user"], name="catalog_review_one_per_user"),
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="catalog_review_rating_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} ({self.rating})"


# --- Home page content, edited by staff ------------------------------------------------------------


def validate_link(value: str) -> None:
    """A banner leads to a path of this shop (`/c/phones/`) or to an http(s) URL, nothing else (no
    `javascript:`, no protocol-relative `//host` that would look like a path, nor `/\\host` or
    `/<tab>/host` that browsers read as one)."""
    if value.startswith("/"):
        if url_has_allowed_host_and_scheme(value, allowed_hosts=None) and not any(
            ch in value for ch in "\\\t\r\n"
        ):
            return
        raise ValidationError(_("Enter a path of this shop or an http(s) address."), code="invalid")
    URLValidator(schemes=["http", "https"])(value)


class ScheduledContent(models.Model):
    """What banners and home sections share: a translated title, a place in the staff's order,
    and a schedule (shown while active, from `starts_at`, until `ends_at`)."""

    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # One column per language (catalog/translation.py), added by modeltranslation at start-up.
    title_zh_hans: str | None
    title_en: str | None

    class Meta:
        abstract = True
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="%(app_label)s_%(class)s_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})


class Banner(ScheduledContent):
    """A picture with a link on the home page, shown while active and inside its schedule."""

    image = models.ImageField(_("image"), upload_to="banners/%Y/%m/")
    link = models.CharField(
        _("link"),
        max_length=500,
        blank=True,
        validators=[validate_link],
        help_text=_("A path of the shop such as /c/phones/, or an https:// address."),
    )

    # Declared, not patched in by modeltranslation at start-up, so that type checkers know it:
    # queries rewrite `title` to the active language's column.
    objects: MultilingualManager[Banner] = MultilingualManager()

    class Meta(ScheduledContent.Meta):
        verbose_name = _("banner")
        verbose_name_plural = _("banners")


class HomeSection(ScheduledContent):
    """A hand-picked list of products on the home page ("Featured", a seasonal selection)."""

    products = models.ManyToManyField(
        Product,
        through="HomeSectionProduct",
        related_name="home_sections",
        verbose_name=_("products"),
        blank=True,
    )

    objects: MultilingualManager[HomeSection] = MultilingualManager()

    class Meta(ScheduledContent.Meta):
        verbose_name = _("home section")
        verbose_name_plural = _("home sections")


class HomeSectionProduct(models.Model):
    """A product of a home section, at its place in the staff's order."""

    section = models.ForeignKey(
        HomeSection, on_delete=models.CASCADE, related_name="items", verbose_name=_("section")
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="home_items", verbose_name=_("product")
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("section product")
        verbose_name_plural = _("section products")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "product"], name="catalog_homesection_product_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section} #{self.position}: {self.product}"
