"""An outsider's odd ids on the favourites pages: refused with a message, never a 500."""

import pytest
from django.test import Client

from recommendations.models import Favourite

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("product_id", [10**20, 2**63, 2**63 - 1])
def test_toggling_a_favourite_with_an_id_out_of_range_is_refused(user, product_id):
    client = Client()
    client.force_login(user)
    response = client.post(f"/favourites/{product_id}/toggle/")
    assert response.status_code == 302
    assert not Favourite.objects.exists()
