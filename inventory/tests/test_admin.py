import pytest
from django.contrib.admin import AdminSite, ModelAdmin
from django.test import RequestFactory

from catalog.models import ProductVariant
from inventory import services
from inventory.admin import StockInline
from inventory.models import Stock, StockMovement
from orders.tests.factories import order_with_lines

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/inventory/stock/"


def adjust(client, stock_ids, **form):
    data = {"action": "adjust_stock", "_selected_action": stock_ids, **form}
    return client.post(CHANGELIST, data, follow=True)


def test_adjust_action_asks_then_goes_through_the_service(admin_client, admin_user, stocked):
    page = adjust(admin_client, [stocked.pk])
    assert page.status_code == 200
    assert b'name="quantity_change"' in page.content
    assert Stock.objects.get(pk=stocked.pk).quantity == 10

    done = adjust(
        admin_client,
        [stocked.pk],
        apply="1",
        quantity_change="-2",
        reason="damage",
        note="forklift",
    )
    assert done.status_code == 200
    assert Stock.objects.get(pk=stocked.pk).quantity == 8
    movement = StockMovement.objects.latest("pk")
    assert (movement.reason, movement.delta, movement.user, movement.note) == (
        "damage",
        -2,
        admin_user,
        "forklift",
    )


def test_adjust_action_below_allocated_changes_nothing(admin_client, stocked, variant):
    services.stock_allocate(order_with_lines([(variant, 9)])[1])
    response = adjust(
        admin_client, [stocked.pk], apply="1", quantity_change="-2", reason="adjustment"
    )
    assert "Nothing was changed" in response.content.decode()
    assert Stock.objects.get(pk=stocked.pk).quantity == 10
    assert StockMovement.objects.count() == 1


def test_adjust_action_invalid_form_reshown(admin_client, stocked):
    response = adjust(admin_client, [stocked.pk], apply="1", quantity_change="3", reason="damage")
    assert b"errorlist" in response.content
    assert Stock.objects.get(pk=stocked.pk).quantity == 10


def test_quantity_not_editable_in_change_form(admin_client, stocked):
    url = f"/admin/inventory/stock/{stocked.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b'name="quantity"' not in page.content
    admin_client.post(url, {"low_stock_threshold": "2", "quantity": "999"})
    stock = Stock.objects.get(pk=stocked.pk)
    assert (stock.quantity, stock.low_stock_threshold) == (10, 2)


def test_movement_admin_is_read_only_and_filterable(admin_client, stocked, warehouse):
    assert admin_client.get("/admin/inventory/stockmovement/add/").status_code == 403
    movement = StockMovement.objects.get()
    page = admin_client.get(
        "/admin/inventory/stockmovement/",
        {"reason": "purchase", "stock__warehouse__id__exact": warehouse.pk},
    )
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert (
        admin_client.get("/admin/inventory/stockmovement/", {"reason": "sale"})
        .context["cl"]
        .result_count
        == 0
    )
    detail = admin_client.get(f"/admin/inventory/stockmovement/{movement.pk}/change/")
    assert detail.status_code == 200
    assert b'name="delta"' not in detail.content
    assert (
        admin_client.post(
            f"/admin/inventory/stockmovement/{movement.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert StockMovement.objects.count() == 1


def test_alert_and_warehouse_admin_lists(admin_client, stocked, variant, warehouse):
    services.stock_adjust(variant, warehouse=warehouse, delta=-9, reason="adjustment")
    services.stock_alerts_check()
    page = admin_client.get("/admin/inventory/stockalert/", {"resolved_at__isempty": "1"})
    assert page.status_code == 200
    assert variant.sku in page.content.decode()
    assert admin_client.get("/admin/inventory/warehouse/").status_code == 200


def test_stock_inline_on_a_variant_admin(admin_user, stocked, variant):
    site = AdminSite()

    class VariantAdmin(ModelAdmin):
        inlines = [StockInline]

    model_admin = VariantAdmin(ProductVariant, site)
    request = RequestFactory().get("/")
    request.user = admin_user
    (inline,) = model_admin.get_inline_instances(request, variant)
    assert not inline.has_add_permission(request, variant)
    assert "quantity" in inline.get_readonly_fields(request, variant)
    ((formset_class, _inline),) = list(model_admin.get_formsets_with_inlines(request, variant))
    formset = formset_class(instance=variant, queryset=inline.get_queryset(request))
    (form,) = formset.forms
    assert form.instance == stocked
    assert "quantity" not in form.fields
    assert "quantity_allocated" not in form.fields
    assert inline.available(form.instance) == 10
