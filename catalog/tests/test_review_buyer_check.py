"""Who may review is asked of the check orders registers (docs/architecture.md, "Calling up"):
catalog never imports orders. Without a check nobody is a buyer."""

import pytest

from catalog import services
from catalog.exceptions import NotABuyer
from catalog.models import Review

pytestmark = pytest.mark.django_db


def test_without_a_check_nobody_may_review(monkeypatch, user, make_product):
    product = make_product("Kettle")
    monkeypatch.setattr(services, "_buyer_check", None)
    with pytest.raises(NotABuyer):
        services.review_create(user=user, product=product, rating=5, body="great")
    assert not Review.objects.exists()
    product.refresh_from_db()
    assert product.review_count == 0


def test_review_create_asks_the_registered_check(monkeypatch, user, other_user, make_product):
    product = make_product("Kettle")
    asked = []

    def only_user(who, *, product):
        asked.append((who, product))
        return who == user

    monkeypatch.setattr(services, "_buyer_check", None)
    services.review_buyer_check_register(only_user)
    services.review_create(user=user, product=product, rating=4, body="fine")
    with pytest.raises(NotABuyer):
        services.review_create(user=other_user, product=product, rating=1, body="bad")
    assert asked == [(user, product), (other_user, product)]
    assert list(Review.objects.values_list("user", "rating")) == [(user.pk, 4)]
    product.refresh_from_db()
    assert product.review_count == 1
