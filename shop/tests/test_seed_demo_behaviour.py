"""seed_demo's behaviour has structure (shoppers with tastes), and the lists are rebuilt from it."""

import io
from collections import Counter

import pytest
from django.core.management import call_command

from accounts.models import User
from recommendations import queries
from recommendations.models import BehaviourEvent, ListKind, Recommendation

pytestmark = pytest.mark.django_db


def test_demo_shoppers_have_tastes_and_get_lists():
    # 120 products: 6 per leaf category. For-you never suggests what the shopper already had (their
    # history is excluded), so with 3 per leaf the few categories a shopper likes are used up.
    call_command("seed_demo", products=120, no_progress=True, stdout=io.StringIO())
    assert BehaviourEvent.objects.filter(visitor__startswith="demo-shopper-").count() > 500
    # Each shopper's views gather in one or two categories (a little browsing elsewhere).
    for visitor in ["demo-shopper-00", "demo-shopper-01", "demo-shopper-02"]:
        views = Counter(
            BehaviourEvent.objects.filter(visitor=visitor, kind="view").values_list(
                "product__category_id", flat=True
            )
        )
        top_two = sum(n for _, n in views.most_common(2))
        assert top_two >= 0.7 * sum(views.values()), views
    assert Recommendation.objects.filter(kind=ListKind.ALSO_BOUGHT).exists()
    alice = User.objects.get(username="alice")
    liked = set(
        BehaviourEvent.objects.filter(user=alice).values_list("product__category_id", flat=True)
    )
    mine = [r for r in queries.for_user(alice) if r.reason]
    assert mine and sum(r.product.category_id in liked for r in mine) >= len(mine) / 2
    # Idempotent: a second run adds no behaviour.
    before = BehaviourEvent.objects.count()
    call_command("seed_demo", products=120, no_progress=True, stdout=io.StringIO())
    assert BehaviourEvent.objects.count() == before
