"""The heart on the product page and "recently viewed" on the home and account pages, drawn by
recommendations' template tags for pages of the apps below it."""

import pytest
from django.test import Client

from catalog.tests.factories import CategoryFactory
from recommendations.models import Favourite

pytestmark = pytest.mark.django_db


@pytest.fixture
def kettle(shown):
    return shown(CategoryFactory(name="Kitchen"), name="Kettle")


def test_the_heart_says_whether_the_user_likes_the_product(client, user, kettle):
    page = client.get(f"/p/{kettle.slug}/").content.decode()
    assert f'href="/account/login/?next=/p/{kettle.slug}/"' in page  # a guest: log in first

    client.force_login(user)
    page = client.get(f"/p/{kettle.slug}/").content.decode()
    assert 'data-testid="favourite" data-liked="false"' in page
    response = client.post(f"/favourites/{kettle.pk}/toggle/", {"next": f"/p/{kettle.slug}/"})
    assert response.status_code == 302 and Favourite.objects.filter(user=user).count() == 1
    page = client.get(f"/p/{kettle.slug}/").content.decode()
    assert 'data-testid="favourite" data-liked="true"' in page


def test_a_guest_who_only_browses_sees_what_he_viewed_on_the_home_page(kettle, shown):
    guest, other = Client(), Client()
    teapot = shown(kettle.category, name="Teapot")
    guest.get(f"/p/{kettle.slug}/")
    guest.get(f"/p/{teapot.slug}/")
    home = guest.get("/").content.decode()
    viewed = home.split('data-testid="recently-viewed"')[1]
    # Newest first, each once.
    assert viewed.index(f"/p/{teapot.slug}/") < viewed.index(f"/p/{kettle.slug}/")
    assert 'data-testid="recently-viewed"' not in other.get("/").content.decode()


def test_a_user_sees_what_he_viewed_on_home_and_account(client, user, kettle):
    client.force_login(user)
    client.get(f"/p/{kettle.slug}/")
    for path in ("/", "/account/"):
        page = client.get(path).content.decode()
        assert 'data-testid="recently-viewed"' in page and f"/p/{kettle.slug}/" in page


def test_a_made_up_visitor_cookie_is_replaced_not_trusted(kettle):
    guest = Client()
    guest.cookies["shop_visitor"] = "'; DROP TABLE x; --"
    response = guest.get(f"/p/{kettle.slug}/")
    fresh = response.cookies["shop_visitor"].value
    assert fresh != "'; DROP TABLE x; --" and len(fresh) == 32
    assert f"/p/{kettle.slug}/" in guest.get("/").content.decode()
