from contextlib import suppress
from functools import cached_property
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import (
    IsMerchantOrStaff,
    ReadOnlyOrMerchant,
    ReadOnlyOrStaff,
    is_merchant_or_staff,
    is_staff_user,
)
from catalog import cache as catalog_cache
from catalog import queries, services
from catalog.api import serializers as s
from catalog.api.filters import ProductFilter
from catalog.cache import CacheUnavailable, cache_call
from catalog.models import Category, Product, ProductImage, ProductVariant
from core import db

ERROR = OpenApiResponse(description="Domain error: {code, detail}")
INCLUDE_INACTIVE = OpenApiParameter(
    "include_inactive",
    OpenApiTypes.BOOL,
    description="Merchants and staff: include inactive products (ignored for shoppers).",
)


if TYPE_CHECKING:
    _ViewBase = APIView  # what the mixin goes before
else:
    _ViewBase = object


class DomainValidationMixin(_ViewBase):
    """Model validation raised inside a service answers 400 with the field map, like DRF's own."""

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
            exc = exceptions.ValidationError(detail)
        return super().handle_exception(exc)


def _truthy(value) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def _answer_variant(request) -> str:
    """What a cached answer depends on besides the data: the language of the content (names and
    descriptions follow Accept-Language), the host (absolute image URLs) and the full, normalised
    query string (filters, ordering, page, page size)."""
    params = sorted((k, v) for k in request.query_params for v in request.query_params.getlist(k))
    return f"{translation.get_language()}|{request.build_absolute_uri('/')}?{params!r}"


# --- Categories --------------------------------------------------------------------------------------


@extend_schema(tags=["catalog"])
class CategoryViewSet(DomainValidationMixin, viewsets.ModelViewSet):
    serializer_class = s.CategorySerializer
    permission_classes = [ReadOnlyOrStaff]
    lookup_field = "slug"
    lookup_value_regex = r"[^/\x00]+"  # NUL can never be in a slug (PostgreSQL refuses it)
    filter_backends = []

    def get_queryset(self):
        qs = Category.objects.select_related("parent").order_by("sort_order", "name", "pk")
        if getattr(self, "swagger_fake_view", False):
            return qs  # schema generation (also in `check --deploy`) must not touch the database
        if not is_staff_user(self.request.user):
            # Below an inactive category is hidden too, as in the tree and the product lists.
            qs = qs.exclude(pk__in=queries.category_hidden_ids())
        return qs

    @extend_schema(responses=s.CategoryTreeSerializer(many=True))
    @action(detail=False, pagination_class=None)
    def tree(self, request):
        nodes = queries.category_tree(include_inactive=is_staff_user(request.user))
        return Response(s.CategoryTreeSerializer(nodes, many=True).data)

    def perform_create(self, serializer):
        serializer.instance = services.category_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.category_update(
            serializer.instance, **serializer.validated_data
        )

    @extend_schema(responses={204: None, 409: ERROR})
    def destroy(self, request, *args, **kwargs):
        services.category_delete(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Products ----------------------------------------------------------------------------------------


@extend_schema(tags=["catalog"])
class ProductViewSet(
    DomainValidationMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Products. Shoppers read active products; merchants and staff write, and read inactive ones
    too (lists with `include_inactive=1`). Shopper answers are cached; writes invalidate them."""

    permission_classes = [ReadOnlyOrMerchant]
    lookup_field = "slug"
    lookup_value_regex = r"[^/\x00]+"  # NUL can never be in a slug (PostgreSQL refuses it)
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProductFilter

    def get_serializer_class(self):
        if self.action == "list":
            return s.ProductListSerializer
        if self.action in ("create", "update", "partial_update"):
            return s.ProductWriteSerializer
        return s.ProductDetailSerializer

    def _staff(self) -> bool:
        return is_merchant_or_staff(self.request.user)

    def _list_includes_inactive(self) -> bool:
        return self._staff() and _truthy(self.request.query_params.get("include_inactive", ""))

    @cached_property
    def _hidden_category_ids(self) -> set[int]:
        # Once per request (one small query), however often get_queryset is called.
        return queries.category_hidden_ids()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Product.objects.none()  # schema generation must not touch the database
        if self.action == "list":
            if self._list_includes_inactive():
                return queries.product_list(include_inactive=True)
            return queries.product_list(hidden_category_ids=self._hidden_category_ids)
        if self.action == "retrieve":
            if self._staff():
                return queries.product_detail(include_inactive=True)
            return queries.product_detail(hidden_category_ids=self._hidden_category_ids)
        if self.action == "reviews":
            return Product.objects.filter(is_active=True).exclude(
                category_id__in=self._hidden_category_ids
            )
        return Product.objects.all()

    def filter_queryset(self, queryset):
        # Filters belong to the list only; a detail, a write or a nested endpoint ignores them.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _detail_answer(self, product_pk) -> Response:
        product = get_object_or_404(self.get_queryset(), pk=product_pk)
        return Response(self.get_serializer(product).data)

    # Reads, cached for shoppers.

    @extend_schema(parameters=[INCLUDE_INACTIVE])
    def list(self, request, *args, **kwargs):
        if self._list_includes_inactive():
            return super().list(request, *args, **kwargs)
        try:
            version = cache_call(catalog_cache.list_version)
            key = catalog_cache.list_answer_key(version, _answer_variant(request))
            data = cache_call(cache.get, key)
        except CacheUnavailable:
            return super().list(request, *args, **kwargs)
        if data is not None:
            return Response(data)
        db.pin_reads()  # what is cached must not come from a lagging replica
        response = super().list(request, *args, **kwargs)
        if response.status_code == 200:
            with suppress(CacheUnavailable):
                cache_call(cache.set, key, response.data, settings.CATALOG_LIST_CACHE_SECONDS)
        return response

    def retrieve(self, request, *args, **kwargs):
        if self._staff():
            return super().retrieve(request, *args, **kwargs)
        slug = kwargs[self.lookup_field]
        try:
            pk = cache_call(cache.get, catalog_cache.slug_key(slug))
        except CacheUnavailable:
            return super().retrieve(request, *args, **kwargs)
        if pk is None:
            db.pin_reads()  # what is cached must not come from a lagging replica
            pk = (
                self.get_queryset()
                .filter(slug=slug)
                .values_list("pk", flat=True)
                .order_by()
                .first()
            )
            if pk is None:
                raise exceptions.NotFound()
            with suppress(CacheUnavailable):
                cache_call(
                    cache.set,
                    catalog_cache.slug_key(slug),
                    pk,
                    settings.CATALOG_DETAIL_CACHE_SECONDS,
                )
        try:
            token = cache_call(catalog_cache.detail_token, pk)
            key = catalog_cache.detail_answer_key(pk, token, _answer_variant(request))
            data = cache_call(cache.get, key)
        except CacheUnavailable:
            return super().retrieve(request, *args, **kwargs)
        if data is not None and data.get("slug") == slug:
            return Response(data)
        db.pin_reads()
        product = self.get_queryset().filter(slug=slug).first()
        if product is None:
            raise exceptions.NotFound()
        data = self.get_serializer(product).data
        if product.pk == pk:
            with suppress(CacheUnavailable):
                cache_call(cache.set, key, data, settings.CATALOG_DETAIL_CACHE_SECONDS)
        return Response(data)

    # Writes (merchant, staff).

    @extend_schema(request=s.ProductWriteSerializer, responses={201: s.ProductDetailSerializer})
    def create(self, request, *args, **kwargs):
        serializer = s.ProductWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        product = services.product_create(
            name=data.pop("name"),
            category=data.pop("category"),
            variants=data.pop("variants", []),
            **data,
        )
        self.action = "retrieve"
        return Response(self._detail_answer(product.pk).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ProductWriteSerializer, responses=s.ProductDetailSerializer)
    def update(self, request, *args, partial=False, **kwargs):
        product = self.get_object()
        serializer = s.ProductWriteSerializer(product, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        product = services.product_update(product, **serializer.validated_data)
        self.action = "retrieve"
        return self._detail_answer(product.pk)

    @extend_schema(request=s.ProductWriteSerializer, responses=s.ProductDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.product_deactivate(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    # Variants.

    def _variants_answer(self, product, many=True, variant=None):
        qs = ProductVariant.objects.filter(product=product).annotate(
            in_stock=queries.variant_in_stock_expression()
        )
        if many:
            return s.VariantSerializer(qs, many=True).data
        return s.VariantSerializer(qs.get(pk=variant.pk)).data

    @extend_schema(methods=["GET"], request=None, responses=s.VariantSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=s.VariantSerializer, responses={201: s.VariantSerializer}
    )
    @action(
        detail=True,
        methods=["get", "post"],
        permission_classes=[IsMerchantOrStaff],
        filter_backends=[],
        pagination_class=None,
    )
    def variants(self, request, slug=None):
        product = self.get_object()
        if request.method == "GET":
            return Response(self._variants_answer(product))
        serializer = s.VariantSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        variant = services.variant_create(product, **serializer.validated_data)
        return Response(
            self._variants_answer(product, many=False, variant=variant),
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        methods=["PATCH"],
        request=s.VariantSerializer,
        responses=s.VariantSerializer,
        parameters=[OpenApiParameter("variant_id", int, OpenApiParameter.PATH)],
    )
    @extend_schema(
        methods=["DELETE"],
        request=None,
        responses={204: None},
        parameters=[OpenApiParameter("variant_id", int, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"variants/(?P<variant_id>\d+)",
        permission_classes=[IsMerchantOrStaff],
        filter_backends=[],
    )
    def variant_detail(self, request, slug=None, variant_id=None):
        product = self.get_object()
        variant = get_object_or_404(ProductVariant, product=product, pk=variant_id)
        if request.method == "DELETE":
            services.variant_delete(variant)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = s.VariantSerializer(variant, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        variant = services.variant_update(variant, **serializer.validated_data)
        return Response(self._variants_answer(product, many=False, variant=variant))

    # Images.

    @extend_schema(methods=["GET"], request=None, responses=s.ProductImageSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": s.ImageUploadSerializer},
        responses={201: s.ProductImageSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        permission_classes=[IsMerchantOrStaff],
        filter_backends=[],
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,
    )
    def images(self, request, slug=None):
        product = self.get_object()
        context = {"request": request}
        if request.method == "GET":
            return Response(
                s.ProductImageSerializer(product.images.all(), many=True, context=context).data
            )
        serializer = s.ImageUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        image = services.image_add(product, upload=data.pop("image"), **data)
        return Response(
            s.ProductImageSerializer(image, context=context).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        methods=["PATCH"],
        request=s.ImageUpdateSerializer,
        responses=s.ProductImageSerializer,
        parameters=[OpenApiParameter("image_id", int, OpenApiParameter.PATH)],
    )
    @extend_schema(
        methods=["DELETE"],
        request=None,
        responses={204: None},
        parameters=[OpenApiParameter("image_id", int, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"images/(?P<image_id>\d+)",
        permission_classes=[IsMerchantOrStaff],
        filter_backends=[],
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def image_detail(self, request, slug=None, image_id=None):
        product = self.get_object()
        image = get_object_or_404(ProductImage, product=product, pk=image_id)
        if request.method == "DELETE":
            services.image_delete(image)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = s.ImageUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        image = services.image_update(image, **serializer.validated_data)
        return Response(s.ProductImageSerializer(image, context={"request": request}).data)

    # Reviews.

    @extend_schema(methods=["GET"], request=None, responses=s.ReviewSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=s.ReviewSerializer,
        responses={201: s.ReviewSerializer, 403: ERROR, 409: ERROR},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        permission_classes=[permissions.IsAuthenticatedOrReadOnly],
        filter_backends=[],
    )
    def reviews(self, request, slug=None):
        product = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(queries.product_reviews(product))
            data = s.ReviewSerializer(page, many=True).data
            return self.get_paginated_response(data)
        serializer = s.ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_create(
            user=request.user, product=product, **serializer.validated_data
        )
        return Response(s.ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


# --- Home content ------------------------------------------------------------------------------------


@extend_schema(tags=["catalog"], responses=s.HomeSerializer)
class HomeView(APIView):
    """The home page's staff-edited content for apps: the banners and curated sections current
    now, in the request's language. Cached like the product lists (a price, stock or content edit
    is seen at once), and never past the next start or end of a banner's or section's schedule."""

    permission_classes = [permissions.AllowAny]

    def _answer(self, request) -> tuple[dict, int]:
        now = timezone.now()
        content = queries.home_content(at=now)
        data = s.HomeSerializer(content, context={"request": request}).data
        timeout = catalog_cache.seconds_until(
            content.changes_at, at=now, longest=settings.CATALOG_LIST_CACHE_SECONDS
        )
        return data, timeout

    def get(self, request):
        try:
            version = cache_call(catalog_cache.list_version)
            key = catalog_cache.home_answer_key(version, "api|" + _answer_variant(request))
            data = cache_call(cache.get, key)
        except CacheUnavailable:
            return Response(self._answer(request)[0])
        if data is not None:
            return Response(data)
        db.pin_reads()  # what is cached must not come from a lagging replica
        data, timeout = self._answer(request)
        if timeout > 0:
            with suppress(CacheUnavailable):
                cache_call(cache.set, key, data, timeout)
        return Response(data)
