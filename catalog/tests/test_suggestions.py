"""The suggestion entry points that pages below `recommendations` call: defaults and replacement."""

import pytest

from catalog import suggestions
from catalog.suggestions import Suggestion
from catalog.tests.factories import CategoryFactory


@pytest.fixture
def providers():
    saved = suggestions._Providers(**vars(suggestions._providers))
    # The defaults, whatever an app above registered at start-up (recommendations does).
    for name, value in vars(suggestions._Providers()).items():
        setattr(suggestions._providers, name, value)
    yield suggestions._providers
    for name, value in vars(saved).items():
        setattr(suggestions._providers, name, value)


@pytest.mark.django_db
def test_defaults_are_best_sellers_and_same_category(make_product, providers):
    phones, books = CategoryFactory(), CategoryFactory()
    a = make_product("A", stock=5, category=phones)
    b = make_product("B", stock=5, category=phones)
    c = make_product("C", stock=0, category=phones)
    d = make_product("D", stock=5, category=books)
    b.sales_count, d.sales_count = 9, 4
    b.save(update_fields=["sales_count"])
    d.save(update_fields=["sales_count"])

    assert [s.product for s in suggestions.suggestions_for_you(None, limit=2)] == [b, d]
    # Same category, the product itself left out; out of stock last but never dropped.
    assert [s.product for s in suggestions.suggestions_similar(a)] == [b, c]
    assert suggestions.suggestions_also_bought(a) == []
    suggestions.behaviour_record("view", [a.pk])  # the default recorder keeps nothing


@pytest.mark.django_db
def test_registered_providers_replace_the_defaults(make_product, providers):
    a = make_product("A", stock=5)
    seen = []
    suggestions.suggestions_register(
        for_you=lambda user, *, limit: [Suggestion(a, "because")],
        record=lambda kind, ids, *, user=None, visitor="": seen.append((kind, list(ids), visitor)),
    )
    assert suggestions.suggestions_for_you(None) == [Suggestion(a, "because")]
    suggestions.behaviour_record("cart", [a.pk], visitor="tok")
    suggestions.behaviour_record("view", [])  # nothing to say: the recorder is not called
    assert seen == [("cart", [a.pk], "tok")]
    assert suggestions.suggestions_similar(a) == []  # still the default: a None keeps it


@pytest.mark.django_db
def test_hidden_categories_are_cached_until_a_category_changes(
    make_product, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from catalog import queries, services

    shelf = CategoryFactory()
    queries.category_hidden_ids_cached()
    with django_assert_num_queries(0):  # every suggestion list asks this
        assert queries.category_hidden_ids_cached() == set()
    with django_capture_on_commit_callbacks(execute=True):
        services.category_update(shelf, is_active=False)
    assert queries.category_hidden_ids_cached() == {shelf.pk}
    assert queries.category_hidden_ids() == {shelf.pk}  # what writes decide on: never cached
