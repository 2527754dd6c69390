"""The catalogue in the Django admin, for merchants and staff.

The admin's forms save models directly; save_related and the actions then call catalog.services so
that prices, search vectors, thumbnails and cached answers follow exactly as they do for the API.

Content fields are edited in Chinese and English side by side (modeltranslation's TranslationAdmin:
`name [zh-hans]`, `name [en]`); each language's column is a field of its own, so an edit of the
English name alone writes `name_en` alone (core.admin.EditedFieldsAdminMixin).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportMixin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from catalog import locks, queries, services
from catalog.cache import catalog_cache_invalidate
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
from catalog.resources import VariantResource
from core.admin import (
    BoundedImportForm,
    EditedFieldsAdminMixin,
    FilteredExportAdminMixin,
    edited_fields,
    save_edited,
)
from core.exceptions import DomainError


def _with_stock(queryset):
    """On-hand and available units over active warehouses, in the same query as the variants."""
    active = Q(stocks__warehouse__is_active=True)
    return queryset.annotate(
        on_hand=Coalesce(Sum("stocks__quantity", filter=active), 0),
        available_units=Coalesce(
            Sum(F("stocks__quantity") - F("stocks__quantity_allocated"), filter=active), 0
        ),
    )


def _thumb(file, size=60):
    if not file:
        return "-"
    return format_html(
        '<img src="{}" alt="" style="max-width:{}px;max-height:{}px">', file.url, size, size
    )


# Admin search and autocompletes look in every language (a plain "name" would be the active one).
NAME_SEARCH = ["name_zh_hans", "name_en"]


@admin.register(Category)
class CategoryAdmin(TranslationAdmin):
    list_display = ["tree_name", "slug", "is_active", "sort_order", "product_count"]
    list_filter = ["is_active"]
    search_fields = [*NAME_SEARCH, "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    list_per_page = 200

    def get_queryset(self, request):
        # Not super(): it orders by get_ordering() before the annotation below exists.
        qs = self.model._default_manager.annotate(product_count=Count("products"))
        # Tree order, from the one-query tree: each row keeps its depth for the indentation.
        nodes = queries.category_tree_flat(include_inactive=True)
        self._depths = {node.id: node.depth for node in nodes}
        if not nodes:
            return qs.annotate(tree_position=Value(0, output_field=IntegerField()))
        position = Case(
            *[When(pk=node.id, then=Value(i)) for i, node in enumerate(nodes)],
            default=Value(len(nodes)),
            output_field=IntegerField(),
        )
        return qs.annotate(tree_position=position).order_by("tree_position")

    def get_ordering(self, request):
        # Tree order on our own changelist; other admins (filters, autocompletes of products) ask
        # for this ordering on a plain queryset and get the model's.
        match = getattr(request, "resolver_match", None)
        if match and match.url_name == "catalog_category_changelist":
            return ["tree_position"]
        return super().get_ordering(request)

    @admin.display(description=_("name"))
    def tree_name(self, obj):
        depth = getattr(self, "_depths", {}).get(obj.pk, 0)
        return format_html(
            '<span style="padding-left:{}em">{}{}</span>',
            depth * 1.5,
            "└ " if depth else "",
            obj.name,
        )

    @admin.display(description=_("products"), ordering="product_count")
    def product_count(self, obj):
        return obj.product_count

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            services.category_update(obj, **fields)
        else:
            super().save_model(request, obj, form, change)
            transaction.on_commit(lambda: catalog_cache_invalidate([]))

    def delete_model(self, request, obj):
        services.category_delete(obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "parent" in form.base_fields:
            # No cycles: a category cannot move under itself or its descendants.
            parent = form.base_fields["parent"]
            assert isinstance(parent, forms.ModelChoiceField)  # a foreign key's field
            parent.queryset = Category.objects.exclude(
                pk__in=queries.category_descendant_ids(obj.pk)
            )
        return form


@admin.register(Brand)
class BrandAdmin(TranslationAdmin):
    list_display = ["name", "slug", "is_active", "logo_preview"]
    list_filter = ["is_active"]
    search_fields = [*NAME_SEARCH, "slug"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description=_("logo"))
    def logo_preview(self, obj):
        return _thumb(obj.logo, 40)

    def save_model(self, request, obj, form, change):
        services.brand_save(obj, fields=edited_fields(obj, form.changed_data) if change else None)

    def delete_model(self, request, obj):
        services.brand_delete(obj)

    def delete_queryset(self, request, queryset):
        for brand in queryset:
            services.brand_delete(brand)


class VariantInline(TranslationTabularInline):
    model = ProductVariant
    extra = 0
    # The change link leads to the variant's page, which shows its stock per warehouse.
    show_change_link = True
    fields = [
        "sku",
        "name",
        "price",
        "compare_at_price",
        "cost_price",
        "attributes",
        "is_active",
        "sort_order",
        "on_hand",
        "available_units",
    ]
    readonly_fields = ["on_hand", "available_units"]

    def get_queryset(self, request):
        return _with_stock(super().get_queryset(request))

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class VariantForm(formset.form):  # type: ignore[name-defined]  # the admin's, at runtime
            def hand_clean_DELETE(self):
                # The admin refuses to delete a row that protected rows (stock movements) refer
                # to; ProductAdmin.save_formset deactivates such a variant instead (variant_delete).
                pass

        formset.form = VariantForm
        return formset

    @admin.display(description=_("on hand"))
    def on_hand(self, obj):
        return getattr(obj, "on_hand", "-")

    @admin.display(description=_("available"))
    def available_units(self, obj):
        return getattr(obj, "available_units", "-")


@admin.register(ProductVariant)
class ProductVariantAdmin(
    FilteredExportAdminMixin, ImportExportMixin, EditedFieldsAdminMixin, TranslationAdmin
):
    """A variant with its stock per warehouse (read-only here: stock changes go through
    Inventory › Stock › “Adjust stock”, so every change has a ledger row). The stock rows are an
    inline of inventory (inventory.admin re-registers this admin with it: catalog sits below
    inventory and never imports it).

    Import and export of products and variants, one row per variant (catalog.resources): the
    import previews a dry run, reports bad rows, and writes a file all or nothing through
    catalog.services.variant_import."""

    resource_classes = [VariantResource]
    import_form_class = BoundedImportForm

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    list_display = ["sku", "product", "name", "price", "is_active", "on_hand", "available_units"]
    list_filter = ["is_active", "product__category"]
    search_fields = ["sku", *NAME_SEARCH, "barcode", "product__name_zh_hans", "product__name_en"]
    autocomplete_fields = ["product"]
    list_select_related = ["product"]

    def get_queryset(self, request):
        return _with_stock(super().get_queryset(request))

    @admin.display(description=_("on hand"), ordering="on_hand")
    def on_hand(self, obj):
        return obj.on_hand

    @admin.display(description=_("available"), ordering="available_units")
    def available_units(self, obj):
        return obj.available_units

    def get_readonly_fields(self, request, obj=None):
        # A variant stays with its product: moved, it would leave the old product's price and stock
        # flag behind, and its order lines and stock history would belong to another product.
        if obj is not None:
            return [*super().get_readonly_fields(request, obj), "product"]
        return super().get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        # The product row first, like variant_update and the product admin: product_sync writes it
        # after the variant, and taking the locks in the other order deadlocks against them.
        locks.product_lock(obj.product_id)
        super().save_model(request, obj, form, change)
        # The product's shown price, search vector and cached answers follow the variant.
        services.product_sync(obj.product)

    def delete_model(self, request, obj):
        services.variant_delete(obj)

    def delete_queryset(self, request, queryset):
        for variant in queryset:
            services.variant_delete(variant)


class ImageInlineForm(forms.ModelForm):
    class Meta:
        model = ProductImage
        fields = ["image", "alt_text", "is_primary", "sort_order"]

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload is not None and "image" in self.changed_data:
            services.image_validate(upload)
        return upload


class ImageInline(admin.TabularInline):
    model = ProductImage
    form = ImageInlineForm
    extra = 0
    fields = ["preview", "image", "alt_text", "is_primary", "sort_order"]
    readonly_fields = ["preview"]

    @admin.display(description=_("preview"))
    def preview(self, obj):
        return _thumb(obj.thumbnail or obj.image, 80)


@admin.register(Product)
class ProductAdmin(EditedFieldsAdminMixin, TranslationAdmin):
    """Edits write only the fields the person changed, the product's and each inline row's: the
    price, rating, sales and stock flag belong to the services (product_sync recomputes the
    derived ones after the save), and a variant's columns may have been changed by variant_update
    since the form was read."""

    list_display = [
        "thumbnail",
        "name",
        "category",
        "brand",
        "price",
        "is_active",
        "is_featured",
        "rating_avg",
        "review_count",
        "sales_count",
    ]
    list_display_links = ["thumbnail", "name"]
    list_filter = ["is_active", "is_featured", "category", "brand"]
    search_fields = [*NAME_SEARCH, "slug", "variants__sku"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["category", "brand"]
    readonly_fields = ["price", "compare_at_price", "rating_avg", "review_count", "sales_count"]
    inlines = [VariantInline, ImageInline]
    actions = [
        "make_active",
        "make_inactive",
        "make_featured",
        "make_not_featured",
        "duplicate_products",
        "change_prices",
    ]
    list_select_related = ["category", "brand"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(queries._primary_image_prefetch())

    @admin.display(description=_("image"))
    def thumbnail(self, obj):
        images = getattr(obj, "primary_images", [])
        return _thumb(images[0].thumbnail or images[0].image, 40) if images else "-"

    def save_model(self, request, obj, form, change):
        if change:
            # The product row first, like the variant services: the form, its inlines and
            # product_sync then write product and variants without deadlocking against them.
            locks.product_lock(obj.pk)
        super().save_model(request, obj, form, change)

    def delete_inline(self, request, obj):
        # Through the services: a variant that stock or order lines refer to is only deactivated,
        # an image's files go once the deletion commits.
        if isinstance(obj, ProductVariant):
            services.variant_delete(obj)
        elif isinstance(obj, ProductImage):
            services.image_delete(obj)
        else:
            super().delete_inline(request, obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ProductImage:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            self.delete_inline(request, obj)
        changed = {obj: list(names) for obj, names in formset.changed_objects}
        saving = [*formset.new_objects, *changed]
        # The database allows one primary image per product: clear the others before saving.
        chosen = next((i for i in saving if i.is_primary), None)
        if chosen is not None:
            others = ProductImage.objects.filter(product=form.instance)
            if chosen.pk:
                others = others.exclude(pk=chosen.pk)
            others.update(is_primary=False)
            for other in changed:
                if other is not chosen and other.is_primary:
                    other.is_primary = False
                    changed[other].append("is_primary")
        for obj, names in changed.items():
            if "image" in names:
                obj.thumbnail = ""  # product_sync makes a new one
                names.append("thumbnail")
            save_edited(obj, names)
        for obj in formset.new_objects:
            obj.is_primary = obj is chosen
            obj.save()
        formset.save_m2m()
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.product_sync(form.instance)

    def delete_model(self, request, obj):
        # Products are never deleted: orders and stock history refer to them.
        services.product_deactivate(obj)

    def delete_queryset(self, request, queryset):
        services.products_set_flags(queryset.values_list("pk", flat=True), is_active=False)

    def _flags(self, request, queryset, message, **flags):
        """Set flags through the service; `message(count)` words the result."""
        count = services.products_set_flags(queryset.values_list("pk", flat=True), **flags)
        self.message_user(request, message(count), messages.SUCCESS)

    @admin.action(description=_("Activate selected products"), permissions=["change"])
    def make_active(self, request, queryset):
        self._flags(
            request,
            queryset,
            lambda n: (
                ngettext("%(count)d product activated.", "%(count)d products activated.", n)
                % {"count": n}
            ),
            is_active=True,
        )

    @admin.action(description=_("Deactivate selected products"), permissions=["change"])
    def make_inactive(self, request, queryset):
        self._flags(
            request,
            queryset,
            lambda n: (
                ngettext("%(count)d product deactivated.", "%(count)d products deactivated.", n)
                % {"count": n}
            ),
            is_active=False,
        )

    @admin.action(description=_("Feature selected products"), permissions=["change"])
    def make_featured(self, request, queryset):
        self._flags(
            request,
            queryset,
            lambda n: (
                ngettext("%(count)d product featured.", "%(count)d products featured.", n)
                % {"count": n}
            ),
            is_featured=True,
        )

    @admin.action(description=_("Stop featuring selected products"), permissions=["change"])
    def make_not_featured(self, request, queryset):
        self._flags(
            request,
            queryset,
            lambda n: (
                ngettext(
                    "%(count)d product no longer featured.",
                    "%(count)d products no longer featured.",
                    n,
                )
                % {"count": n}
            ),
            is_featured=False,
        )

    @admin.action(description=_("Duplicate selected products"), permissions=["add"])
    def duplicate_products(self, request, queryset):
        """A copy of each product and its variants (product_duplicate): inactive, new slug and
        SKUs, no stock, to edit into a new product."""
        copies = []
        for product in queryset.order_by("pk"):
            try:
                copies.append(services.product_duplicate(product, actor=request.user))
            except (DomainError, ValidationError) as exc:
                detail = exc.detail if isinstance(exc, DomainError) else "; ".join(exc.messages)
                self.message_user(
                    request,
                    _("%(product)s was not copied: %(error)s")
                    % {"product": product.name, "error": detail},
                    messages.ERROR,
                )
        if copies:
            self.message_user(
                request,
                ngettext(
                    "%(count)d product copied (inactive until you activate it): %(names)s",
                    "%(count)d products copied (inactive until you activate them): %(names)s",
                    len(copies),
                )
                % {"count": len(copies), "names": ", ".join(c.slug for c in copies)},
                messages.SUCCESS,
            )

    @admin.action(
        description=_("Change prices of selected products by a percentage"), permissions=["change"]
    )
    def change_prices(self, request, queryset):
        """An intermediate page asks for the percentage and shows every variant's new price; the
        confirmed change goes through variants_reprice, all or nothing."""
        products = list(queryset.order_by("pk"))
        variants = list(
            ProductVariant.objects.filter(product__in=products)
            .select_related("product")
            .order_by("product_id", "sort_order", "pk")
        )
        form = PriceChangeForm(request.POST if "percent" in request.POST else None)
        preview = None
        if form.is_valid():
            percent = form.cleaned_data["percent"]
            # Applied only as previewed: a percentage edited after the preview is previewed again.
            if "apply" in request.POST and request.POST.get("previewed") == str(percent):
                try:
                    count = services.variants_reprice(
                        [p.pk for p in products], percent=percent, actor=request.user
                    )
                except DomainError as exc:
                    self.message_user(
                        request,
                        _("No price was changed: %(error)s") % {"error": exc.detail},
                        messages.ERROR,
                    )
                    return None
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d variant repriced by %(percent)s%%.",
                        "%(count)d variants repriced by %(percent)s%%.",
                        count,
                    )
                    % {"count": count, "percent": percent},
                    messages.SUCCESS,
                )
                return None
            preview = [(v, services.repriced(v.price, percent)) for v in variants]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change prices"),
            "opts": self.model._meta,
            "products": products,
            "variants": variants,
            "preview": preview,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "action": "change_prices",
        }
        return TemplateResponse(request, "admin/catalog/product/change_prices.html", context)


class PriceChangeForm(forms.Form):
    percent = forms.DecimalField(
        label=_("change in percent"),
        max_digits=7,
        decimal_places=2,
        help_text=_(
            "10 makes prices ten percent dearer, -15 fifteen percent cheaper; rounded to the cent."
        ),
    )

    def clean_percent(self):
        value = self.cleaned_data["percent"]
        try:
            return services.price_change_percent(value)
        except DomainError as exc:
            raise forms.ValidationError(str(exc.detail)) from None


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["product", "user", "rating", "title", "is_visible", "created_at"]
    list_filter = ["is_visible", "rating"]
    search_fields = [
        "product__name_zh_hans",
        "product__name_en",
        "user__username",
        "title",
        "body",
    ]
    list_select_related = ["product", "user"]
    readonly_fields = ["product", "user", "rating", "title", "body", "created_at"]
    actions = ["hide", "show"]

    def has_add_permission(self, request):
        return False  # reviews come from buyers, through the API

    def has_delete_permission(self, request, obj=None):
        # Staff hide a review instead (the buyer's words stay on record), and a deletion here would
        # bypass review_set_visible, leaving the product's rating and count stale.
        return False

    def save_model(self, request, obj, form, change):
        if "is_visible" in form.changed_data:
            services.review_set_visible(obj, visible=obj.is_visible)
        else:
            save_edited(obj, form.changed_data)

    @admin.action(description=_("Hide selected reviews"), permissions=["change"])
    def hide(self, request, queryset):
        # Counted as they are hidden: the queryset carries the list's filter (visible only, say),
        # so counting it afterwards would miss the very reviews just hidden.
        count = 0
        for review in queryset.select_related("product"):
            services.review_hide(review)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d review hidden.", "%(count)d reviews hidden.", count)
            % {"count": count},
        )

    @admin.action(description=_("Approve (show) selected reviews"), permissions=["change"])
    def show(self, request, queryset):
        count = 0
        for review in queryset.select_related("product"):
            services.review_set_visible(review, visible=True)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d review shown.", "%(count)d reviews shown.", count)
            % {"count": count},
        )


# --- Home page content -------------------------------------------------------------------------------


def _preview_link(obj):
    """The home page as shoppers will see it when this row starts (or now, if it has started)."""
    moment = timezone.localtime(max(obj.starts_at or timezone.now(), timezone.now()))
    query = urlencode({"preview": moment.strftime("%Y-%m-%dT%H:%M")})
    return format_html(
        '<a href="/?{}" target="_blank" rel="noopener">{}</a>', query, _("Preview the home page")
    )


class HomeContentAdmin(EditedFieldsAdminMixin, TranslationAdmin):
    """Edits write only what was edited; every save or deletion forgets the cached home answers
    and pages once it commits (catalog.services.home_content_changed)."""

    list_filter = ["is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["title_zh_hans", "title_en"]

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        return _preview_link(obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.home_content_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.home_content_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.home_content_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.home_content_changed()


@admin.register(Banner)
class BannerAdmin(HomeContentAdmin):
    list_display = [
        "image_preview",
        "title",
        "link",
        "position",
        "is_active",
        "starts_at",
        "ends_at",
        "preview_link",
    ]
    list_display_links = ["image_preview", "title"]
    fields = [
        "title",
        "image",
        "image_preview",
        "link",
        "position",
        "is_active",
        "starts_at",
        "ends_at",
        "preview_link",
    ]
    readonly_fields = ["image_preview", "preview_link"]

    @admin.display(description=_("image"))
    def image_preview(self, obj):
        return _thumb(obj.image, 120)


class HomeSectionProductInline(admin.TabularInline):
    """The section's products in the order shoppers see them (lowest position first)."""

    model = HomeSectionProduct
    extra = 1
    autocomplete_fields = ["product"]
    fields = ["position", "product", "thumbnail", "shown"]
    readonly_fields = ["thumbnail", "shown"]
    ordering = ["position", "id"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("product")
            .prefetch_related(Prefetch("product__images", to_attr="all_images"))
        )

    @admin.display(description=_("image"))
    def thumbnail(self, obj):
        images = [i for i in getattr(obj.product, "all_images", []) if i.is_primary]
        return _thumb(images[0].thumbnail or images[0].image, 40) if images else "-"

    @admin.display(description=_("shown to shoppers"), boolean=True)
    def shown(self, obj):
        # Inactive or unpriced products stay in the list but are left out of the page.
        return bool(obj.product.is_active and obj.product.price is not None)


@admin.register(HomeSection)
class HomeSectionAdmin(HomeContentAdmin):
    list_display = [
        "title",
        "position",
        "is_active",
        "starts_at",
        "ends_at",
        "product_count",
        "preview_link",
    ]
    fields = ["title", "position", "is_active", "starts_at", "ends_at", "preview_link"]
    readonly_fields = ["preview_link"]
    inlines = [HomeSectionProductInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_count=Count("items"))

    @admin.display(description=_("products"), ordering="product_count")
    def product_count(self, obj):
        return obj.product_count
