import pytest
from django.test import Client
from accounts.services import address_create
from orders.models import Order, CartItem
from orders.tests.helpers import ADDRESS

pytestmark = pytest.mark.django_db

@pytest.mark.parametrize("aid", ["²", "①", "OTHER", "١"])
def test_addr(user, other_user, variant, aid):
    other = address_create(other_user, **ADDRESS)
    c = Client(raise_request_exception=True)
    c.force_login(user)
    c.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1})
    if aid == "OTHER": aid = str(other.pk)
    r = c.post("/checkout/", {"address_id": aid, "payment_method": "sandbox"})
    print(aid, r.status_code, Order.objects.count())
    assert not Order.objects.exists()

def test_other_cart_item(user, other_user, variant):
    o = Client(); o.force_login(other_user); o.post("/cart/add/", {"variant_id": variant.pk, "quantity": 3})
    g = Client(); g.post("/cart/add/", {"variant_id": variant.pk, "quantity": 3})
    item_ids = list(CartItem.objects.values_list("pk", flat=True))
    c = Client(); c.force_login(user); c.post("/cart/add/", {"variant_id": variant.pk, "quantity": 1})
    for pk in item_ids:
        c.post(f"/cart/items/{pk}/", {"quantity": 7}); c.post(f"/cart/items/{pk}/remove/")
        Client().post(f"/cart/items/{pk}/", {"quantity": 7}); Client().post(f"/cart/items/{pk}/remove/")
    assert sorted(CartItem.objects.filter(pk__in=item_ids).values_list("quantity", flat=True)) == [3, 3]
