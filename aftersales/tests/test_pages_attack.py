"""An outsider's odd addresses on the after-sales pages: 404, never a 500."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("number", ["x%00y", "%00", "a" * 300])
def test_a_request_form_for_a_malformed_order_number_is_404(user, number):
    client = Client()
    client.force_login(user)
    assert client.get(f"/after-sales/new/{number}/").status_code == 404
    assert client.post(f"/after-sales/new/{number}/", {}).status_code == 404
