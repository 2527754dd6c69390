import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog import services
from catalog.models import (
    REVIEW_BODY_MAX_LENGTH,
    Banner,
    Brand,
    Category,
    Product,
    ProductImage,
    ProductVariant,
    Review,
)


# Staff write each language's text as its own field (name_zh_hans, name_en, ...); the plain `name`
# is read and written in the request's language (Accept-Language), falling back to Chinese.
def _translations(*names: str) -> list[str]:
    return sorted(services.localized(*names))


def _write_only(fields: list[str]) -> dict[str, dict[str, object]]:
    return {name: {"write_only": True} for name in fields}


MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0.00")}


def validate_attributes(value: dict[str, Any]) -> None:
    """Free-form JSON, minus what no database can store (PostgreSQL's jsonb refuses NUL)."""
    if "\\u0000" in json.dumps(value):
        raise serializers.ValidationError(_("Null characters are not allowed."))


def absolute_url(request, file) -> str | None:
    if not file:
        return None
    url = file.url
    return request.build_absolute_uri(url) if request is not None else url


# --- Categories --------------------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    # DRF's metaclass takes declared fields off the class: no clash with Field.parent at runtime.
    parent = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="slug", queryset=Category.objects.all(), allow_null=True, required=False
    )
    slug = serializers.SlugField(allow_unicode=True, required=False, max_length=120)

    class Meta:
        model = Category
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "parent",
            "sort_order",
            "is_active",
            *_translations("name", "description"),
        ]
        extra_kwargs = _write_only(_translations("name", "description"))

    def validate_slug(self, value):
        qs = Category.objects.filter(slug=value)
        if self.instance is not None:
            qs = qs.exclude(pk=self.instance.pk)
        if qs.exists():
            raise serializers.ValidationError(_("This slug is taken."))
        return value


class CategoryTreeSerializer(serializers.Serializer):
    """One node of the tree (serialises catalog.queries.CategoryNode)."""

    id = serializers.IntegerField(source="category.pk")
    name = serializers.CharField(source="category.name")
    slug = serializers.CharField(source="category.slug")
    depth = serializers.IntegerField()


# A node's children are nodes: the field can only be declared once the class exists.
CategoryTreeSerializer._declared_fields["children"] = CategoryTreeSerializer(
    many=True, read_only=True
)


class CategoryRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


# --- Products ----------------------------------------------------------------------------------------


class ProductListSerializer(serializers.ModelSerializer):
    primary_image = serializers.SerializerMethodField()
    category = CategoryRefSerializer(read_only=True)
    brand = CategoryRefSerializer(read_only=True, allow_null=True)
    in_stock = serializers.BooleanField(read_only=True)
    featured = serializers.BooleanField(source="is_featured", read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "name",
            "short_description",
            "price",
            "compare_at_price",
            "primary_image",
            "category",
            "brand",
            "rating_avg",
            "review_count",
            "sales_count",
            "in_stock",
            "featured",
            "is_active",
        ]
        read_only_fields = fields

    # null when the product has no primary image yet.
    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_primary_image(self, product) -> str | None:
        images = getattr(product, "primary_images", None)
        if images is None:
            every = getattr(product, "all_images", None)
            if every is None:
                every = product.images.all()
            images = [i for i in every if i.is_primary]
        if not images:
            return None
        image = images[0]
        return absolute_url(self.context.get("request"), image.thumbnail or image.image)


class ProductImageSerializer(serializers.ModelSerializer):
    image = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()

    class Meta:
        model = ProductImage
        fields = ["id", "image", "thumbnail", "alt_text", "sort_order", "is_primary"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_image(self, obj) -> str | None:
        return absolute_url(self.context.get("request"), obj.image)

    @extend_schema_field(OpenApiTypes.URI)
    def get_thumbnail(self, obj) -> str | None:
        return absolute_url(self.context.get("request"), obj.thumbnail or obj.image)


class ImageUploadSerializer(serializers.Serializer):
    image = serializers.FileField()
    alt_text = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_primary = serializers.BooleanField(required=False, default=False)
    sort_order = serializers.IntegerField(min_value=0, required=False, default=0)

    def validate_image(self, upload):
        if upload.size > settings.IMAGE_UPLOAD_MAX_BYTES:
            raise serializers.ValidationError(_("The image is too large."), code="file_too_large")
        try:
            services.image_validate(upload)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=exc.code) from exc
        return upload


class ImageUpdateSerializer(serializers.Serializer):
    alt_text = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_primary = serializers.BooleanField(required=False)
    sort_order = serializers.IntegerField(min_value=0, required=False)


class VariantSerializer(serializers.ModelSerializer):
    """A variant as shoppers and merchants read it; also the write body of variant endpoints."""

    in_stock = serializers.BooleanField(read_only=True, default=False)
    price = serializers.DecimalField(**MONEY)
    compare_at_price = serializers.DecimalField(**MONEY, allow_null=True, required=False)
    cost_price = serializers.DecimalField(**MONEY, allow_null=True, required=False, write_only=True)
    attributes = serializers.DictField(required=False, validators=[validate_attributes])

    class Meta:
        model = ProductVariant
        fields = [
            "id",
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
            "in_stock",
            *_translations("name"),
        ]
        read_only_fields = ["id", "in_stock"]
        extra_kwargs: dict[str, dict[str, object]] = {
            "sku": {"validators": []},
            **_write_only(_translations("name")),
        }

    def validate_sku(self, value):
        qs = ProductVariant.objects.filter(sku=value)
        if self.instance is not None:
            qs = qs.exclude(pk=self.instance.pk)
        if qs.exists():
            raise serializers.ValidationError(_("This SKU is taken."))
        return value


class ProductDetailSerializer(ProductListSerializer):
    # Live for the one product shown (catalog.queries.product_detail), not the stored column.
    in_stock = serializers.BooleanField(source="in_stock_now", read_only=True)
    images = serializers.SerializerMethodField()
    variants = serializers.SerializerMethodField()

    class Meta(ProductListSerializer.Meta):
        fields = [
            *ProductListSerializer.Meta.fields,
            "description",
            "attributes",
            "is_digital",
            "requires_shipping",
            "weight",
            "images",
            "variants",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ProductImageSerializer(many=True))
    def get_images(self, product):
        images = getattr(product, "all_images", None)
        if images is None:
            images = product.images.all()
        return ProductImageSerializer(images, many=True, context=self.context).data

    @extend_schema_field(VariantSerializer(many=True))
    def get_variants(self, product):
        variants = getattr(product, "shown_variants", None)
        if variants is None:
            variants = product.variants.all()
        return VariantSerializer(variants, many=True, context=self.context).data


class ProductWriteSerializer(serializers.ModelSerializer):
    """Body of product create/update. Prices are set on variants; `variants` only on create."""

    slug = serializers.SlugField(allow_unicode=True, required=False, max_length=220)
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    brand = serializers.SlugRelatedField(
        slug_field="slug", queryset=Brand.objects.all(), allow_null=True, required=False
    )
    attributes = serializers.DictField(required=False, validators=[validate_attributes])
    variants = VariantSerializer(many=True, required=False, write_only=True)

    class Meta:
        model = Product
        fields = [
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
            "variants",
            *_translations("name", "short_description", "description"),
        ]

    def validate_slug(self, value):
        qs = Product.objects.filter(slug=value)
        if self.instance is not None:
            qs = qs.exclude(pk=self.instance.pk)
        if qs.exists():
            raise serializers.ValidationError(_("This slug is taken."))
        return value

    def validate_variants(self, value):
        skus = [v["sku"] for v in value]
        if len(skus) != len(set(skus)):
            raise serializers.ValidationError(_("SKUs must be unique."))
        return value

    def validate(self, attrs):
        if self.instance is not None and "variants" in attrs:
            raise serializers.ValidationError(
                {"variants": [_("Manage variants through the product's variants endpoint.")]}
            )
        return attrs


# --- Home content ------------------------------------------------------------------------------------


class HomeBannerSerializer(serializers.ModelSerializer):
    image = serializers.SerializerMethodField()

    class Meta:
        model = Banner
        fields = ["id", "title", "image", "link"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_image(self, banner) -> str | None:
        return absolute_url(self.context.get("request"), banner.image)


class HomeSectionSerializer(serializers.Serializer):
    """A staff-curated list (serialises catalog.queries.HomeSectionContent)."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    products = ProductListSerializer(many=True)


class HomeSerializer(serializers.Serializer):
    """The home content (serialises catalog.queries.HomeContent): current banners and sections."""

    banners = HomeBannerSerializer(many=True)
    sections = HomeSectionSerializer(many=True)


# --- Reviews -----------------------------------------------------------------------------------------


# A review is read on a product page; an essay longer than this is abuse, not a review.


class ReviewSerializer(serializers.ModelSerializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    user = serializers.CharField(source="user.username", read_only=True)
    body = serializers.CharField(max_length=REVIEW_BODY_MAX_LENGTH)

    class Meta:
        model = Review
        fields = ["id", "user", "rating", "title", "body", "created_at"]
        read_only_fields = ["id", "user", "created_at"]
