"""The rebuild stores what the evaluated algorithms (recommendations.algorithms) answer on the shop's
behaviour and catalogue: hand-made cases whose answer is known."""

import math
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from accounts.tests.factories import UserFactory
from catalog.models import Product
from catalog.tests.factories import BrandFactory, CategoryFactory, VariantFactory
from recommendations import algorithms as alg
from recommendations import queries, rebuild
from recommendations.models import ListKind, Recommendation
from recommendations.services import events_flush, events_record, recommendations_rebuild

pytestmark = pytest.mark.django_db


def product(category, *, brand=None, price="100.00", zh=None, en=None, description_en="", **attrs):
    """A product shoppers see, with its name in both languages."""
    kwargs = {"product__category": category, "product__description_en": description_en}
    if brand is not None:
        kwargs["product__brand"] = brand
    if zh is not None:
        kwargs["product__name"] = zh
        kwargs["product__name_zh_hans"] = zh
    if en is not None:
        kwargs["product__name_en"] = en
    if attrs:
        kwargs["attributes"] = attrs
    variant = VariantFactory(price=Decimal(price), **kwargs)
    Product.objects.filter(pk=variant.product_id).update(in_stock=True)
    return Product.objects.get(pk=variant.product_id)


def stored(kind, **where):
    rows = Recommendation.objects.filter(kind=kind, **where).order_by("rank")
    return list(rows.values_list("product_id", "score"))


def test_also_bought_is_item_knn_on_purchases_and_cart_adds():
    category = CategoryFactory()
    a, b, c, d = (product(category) for _ in range(4))
    # A with B: three buyers (one only carted B); A with C: one; D viewed with A: views don't count
    for basket in ([a, b], [a, b], [a, c], [a, b]):
        events_record("purchase", [p.pk for p in basket], user=UserFactory())
    shopper = UserFactory()
    events_record("purchase", [a.pk], user=shopper)
    events_record("cart", [b.pk], user=shopper)
    events_record("view", [a.pk, d.pk], visitor="guest")
    events_flush()
    recommendations_rebuild()
    # cosine with shrink 100: c_ij / (sqrt(n_i n_j) + 100); n_A = 5, n_B = 4, n_C = 1
    shrink = alg.ALSO_BOUGHT_SHRINK
    assert stored(ListKind.ALSO_BOUGHT, source=a) == [
        (b.pk, pytest.approx(4 / (math.sqrt(5 * 4) + shrink))),
        (c.pk, pytest.approx(1 / (math.sqrt(5 * 1) + shrink))),
    ]
    assert stored(ListKind.ALSO_BOUGHT, source=c) == [
        (a.pk, pytest.approx(1 / (math.sqrt(5) + shrink)))
    ]
    assert stored(ListKind.ALSO_BOUGHT, source=d) == []


def test_similar_ranks_same_brand_category_and_name_first():
    phones = CategoryFactory(name="Phones")
    acme, other = BrandFactory(name="Acme"), BrandFactory(name="Other")
    # created in the reverse of the expected order, so that neither id nor age decides
    cheap = product(phones, brand=BrandFactory(), price="9.00", zh="小 挂绳", en="Lanyard")
    same_shelf = product(phones, brand=other, price="499.00", zh="星河 电话", en="Galaxy handset")
    twin = product(phones, brand=acme, price="529.00", zh="极光 手机 X2", en="Aurora phone X2")
    source = product(phones, brand=acme, price="499.00", zh="极光 手机 X1", en="Aurora phone X1")
    recommendations_rebuild()  # no behaviour at all: content only
    order = [pk for pk, _ in stored(ListKind.SIMILAR, source=source)]
    assert order == [twin.pk, same_shelf.pk, cheap.pk]


def test_similar_reads_names_and_descriptions_in_both_languages():
    shelf = CategoryFactory()
    nothing = product(shelf, zh="雨伞", en="Umbrella")
    source = product(
        shelf, zh="登山 背包", en="Summit pack", description_en="Waterproof trekking rucksack"
    )
    chinese = product(shelf, zh="登山 背包 大号", en="Large bag")  # shares the Chinese name
    english = product(shelf, zh="旅行袋", en="Travel", description_en="waterproof trekking bag")
    with translation.override("en"):
        recommendations_rebuild()
    order = [pk for pk, _ in stored(ListKind.SIMILAR, source=source)]
    assert set(order[:2]) == {chinese.pk, english.pk} and order[2] == nothing.pk


def test_similar_stays_in_the_top_level_category():
    home, garden = CategoryFactory(name="Home"), CategoryFactory(name="Garden")
    lamps, rugs = CategoryFactory(parent=home), CategoryFactory(parent=home)
    brand = BrandFactory()
    # same brand, price and name as the lamp, but another department
    garden_lamp = product(garden, brand=brand, zh="台灯", en="Desk lamp")
    rug = product(rugs, brand=brand, zh="地毯", en="Rug")
    lamp2 = product(lamps, zh="落地灯", en="Floor lamp")
    lamp = product(lamps, brand=brand, zh="台灯", en="Desk lamp")
    recommendations_rebuild()
    order = [pk for pk, _ in stored(ListKind.SIMILAR, source=lamp)]
    assert order[0] == lamp2.pk  # the same leaf category first
    assert rug.pk in order and garden_lamp.pk not in order


def test_trending_weighs_recent_events_more():
    category = CategoryFactory()
    old_favourite, rising = product(category), product(category)
    now = timezone.now()
    for n in range(6):
        events_record("view", [old_favourite.pk], visitor=f"v{n}", created_at=now - timedelta(5))
    for n in range(4):
        events_record("view", [rising.pk], visitor=f"w{n}", created_at=now - timedelta(hours=1))
    events_flush()
    recommendations_rebuild()
    # 7-day window, half-life 3.5 days: 6 x 0.5^(5/3.5) = 2.23 against 4 x ~0.99
    assert [pk for pk, _ in stored(ListKind.TRENDING, window_days=7)] == [
        rising.pk,
        old_favourite.pk,
    ]
    # the 1-day window sees only the rising one
    assert [pk for pk, _ in stored(ListKind.TRENDING, window_days=1)] == [rising.pk]


def test_for_you_follows_the_newest_behaviour_and_excludes_the_bought():
    category = CategoryFactory()
    a, a2, b, b2 = (product(category) for _ in range(4))
    # two pairs others buy together: (A, A2) and (B, B2), equally often
    for pair in ([a, a2], [a, a2], [b, b2], [b, b2]):
        events_record("purchase", [p.pk for p in pair], user=UserFactory())
    user = UserFactory()
    now = timezone.now()
    events_record("view", [a.pk], user=user, created_at=now - timedelta(days=3))
    events_record("view", [b.pk], user=user, created_at=now - timedelta(days=1))
    events_flush()
    recommendations_rebuild()
    rows = list(
        Recommendation.objects.filter(kind=ListKind.FOR_YOU, user=user)
        .order_by("rank")
        .values_list("product_id", "reason_product_id", "reason_kind")
    )
    # recency weights: B (newest) counts 1, A half a step back 0.71, so B2 leads
    assert rows == [(b2.pk, b.pk, "view"), (a2.pk, a.pk, "view")]
    # nothing stored for the trending fallback or for a user without behaviour
    assert not Recommendation.objects.filter(kind=ListKind.FOR_YOU, reason_product=None).exists()


def test_the_stored_for_you_list_is_what_the_blend_answers():
    category = CategoryFactory()
    items = [product(category) for _ in range(6)]
    for basket in ([0, 1, 2], [0, 1], [1, 2], [3, 4, 5], [3, 4], [4, 5], [0, 3]):
        events_record("purchase", [items[i].pk for i in basket], user=UserFactory())
    user = UserFactory()
    events_record("view", [items[0].pk], user=user)
    events_record("purchase", [items[1].pk], user=user)
    events_flush()
    data = rebuild.dataset_load()
    rows = [
        r
        for r in rebuild.lists_compute(data)
        if r.kind == ListKind.FOR_YOU and r.user_id == user.pk
    ]
    owner = data.owner_users.index(user.pk)
    history = data.histories[owner]
    model = alg.fit_for_you(
        data.matrix,
        fallback=alg.fit_trending(
            data.ev_items, data.ev_times, data.ev_weights, n_items=len(data.item_ids), now=data.now
        ).scores,
    )
    expected = [
        r
        for r in alg.recommend(
            model, history.items, history.weights(), n=25, exclude=history.bought
        )
        if r.reason >= 0
    ]
    assert [(r.product_id, r.reason_product_id) for r in rows] == [
        (int(data.item_ids[r.item]), int(data.item_ids[r.reason])) for r in expected
    ]
    assert items[1].pk not in {r.product_id for r in rows}  # bought
    assert items[0].pk not in {r.product_id for r in rows}  # the history itself


def test_reasons_name_the_product_in_the_requests_language():
    category = CategoryFactory()
    lamp = product(category, zh="台灯", en="Desk lamp")
    shade = product(category, zh="灯罩", en="Lamp shade")
    for _ in range(2):
        events_record("purchase", [lamp.pk, shade.pk], user=UserFactory())
    user = UserFactory()
    events_record("view", [lamp.pk], user=user)
    events_flush()
    recommendations_rebuild()
    with translation.override("en"):
        assert queries.for_user(user)[0].reason == "Because you viewed Desk lamp"
    Product.objects.filter(pk=lamp.pk).update(name_en="")  # no English name: the Chinese one
    with translation.override("en"):
        assert queries.for_user(user, limit=2)[0].reason == "Because you viewed 台灯"
