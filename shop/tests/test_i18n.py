"""Chinese is the default language, English the second; machine codes stay English."""

import pytest
from django.utils import translation

from orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _shop_default_language(settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the root conftest sets "en" for every other test


def test_pages_are_chinese_by_default_and_english_on_request(client):
    chinese = client.get("/").content.decode()
    assert "购物车" in chinese and 'lang="zh-hans"' in chinese

    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Cart" in english and "购物车" not in english


def test_api_errors_keep_english_codes_with_translated_details(api_client):
    response = api_client.get("/api/v1/orders/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["detail"] == "身份认证信息未提供。"


def test_domain_labels_are_translated():
    with translation.override("zh-hans"):
        assert str(Order.Status.PENDING.label) == "待付款"
        assert str(Order._meta.verbose_name) == "订单"
    with translation.override("en"):
        assert str(Order.Status.PENDING.label) == "Awaiting payment"
