"""The gateway registry: `gateway_get(name)` builds the adapter a setting enables.

Built per call from the settings (cheap: constructing an adapter makes no network call), so a key
rotated in the environment or a test's settings override is seen at once. The alipay and wechat
modules are imported here lazily: a gateway named in PAYMENT_GATEWAYS whose module is missing, or
whose settings are incomplete, is refused at use with `gateway_unavailable` (and `manage.py check`
warns, payments.checks), while every other gateway keeps working.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.urls import reverse

from orders.services import KNOWN_GATEWAYS as KNOWN
from payments.exceptions import GatewayDisabled, GatewayUnavailable
from payments.gateways.base import Gateway
from payments.keys import pem_text

# The settings each gateway cannot work without (the rest have defaults).
REQUIRED_SETTINGS: dict[str, tuple[str, ...]] = {
    "alipay": ("ALIPAY_APP_ID", "ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY"),
    "wechat": (
        "WECHATPAY_MCHID",
        "WECHATPAY_APPID",
        "WECHATPAY_PRIVATE_KEY",
        "WECHATPAY_CERT_SERIAL_NO",
        "WECHATPAY_APIV3_KEY",
        "WECHATPAY_PUBLIC_KEY",
        "WECHATPAY_PUBLIC_KEY_ID",
    ),
    "sandbox": (),
}


def enabled_gateways() -> list[str]:
    return [name for name in settings.PAYMENT_GATEWAYS_ENABLED if name in KNOWN]


def notify_url(name: str, *, refund: bool = False) -> str:
    """The URL to register with the provider: SITE_URL + /api/v1/payments/<name>/notify/."""
    view = "api:payments-refund-notify" if refund else "api:payments-notify"
    return settings.SITE_URL + reverse(view, kwargs={"gateway": name})


def missing_settings(name: str) -> list[str]:
    return [key for key in REQUIRED_SETTINGS.get(name, ()) if not getattr(settings, key, "")]


def _timeout() -> float:
    return float(settings.PAYMENTS_GATEWAY_TIMEOUT)


@functools.lru_cache(maxsize=8)
def _adapter(cls: Callable[[Any], Gateway], config: Any) -> Gateway:
    """One adapter per configuration and process: building one loads its RSA keys (0.1-0.2 s).
    Configs are frozen dataclasses, so a changed setting builds a new one."""
    return cls(config)


def _alipay() -> Gateway:
    from payments.gateways.alipay import AlipayConfig, AlipayGateway

    gateway: Gateway = _adapter(
        AlipayGateway,
        AlipayConfig(
            app_id=settings.ALIPAY_APP_ID,
            app_private_key=pem_text(settings.ALIPAY_APP_PRIVATE_KEY),
            alipay_public_key=pem_text(settings.ALIPAY_PUBLIC_KEY),
            gateway_url=settings.ALIPAY_GATEWAY_URL,
            seller_id=settings.ALIPAY_SELLER_ID,
            notify_url=notify_url("alipay"),
            timeout=_timeout(),
        ),
    )
    return gateway


def _wechat() -> Gateway:
    from payments.gateways.wechat import WechatConfig, WechatGateway

    gateway: Gateway = _adapter(
        WechatGateway,
        WechatConfig(
            mchid=settings.WECHATPAY_MCHID,
            appid=settings.WECHATPAY_APPID,
            private_key=pem_text(settings.WECHATPAY_PRIVATE_KEY),
            cert_serial_no=settings.WECHATPAY_CERT_SERIAL_NO,
            apiv3_key=settings.WECHATPAY_APIV3_KEY,
            public_key=pem_text(settings.WECHATPAY_PUBLIC_KEY),
            public_key_id=settings.WECHATPAY_PUBLIC_KEY_ID,
            api_base=settings.WECHATPAY_API_BASE,
            notify_url=notify_url("wechat"),
            refund_notify_url=notify_url("wechat", refund=True),
            timeout=(min(3.0, _timeout()), _timeout()),  # requests: (connect, read)
        ),
    )
    return gateway


def _sandbox() -> Gateway:
    from payments.gateways.sandbox import SandboxGateway

    return SandboxGateway(secret_key=settings.SECRET_KEY, site_url=settings.SITE_URL)


BUILDERS: dict[str, Callable[[], Gateway]] = {
    "alipay": _alipay,
    "wechat": _wechat,
    "sandbox": _sandbox,
}


def gateway_get(name: str) -> Gateway:
    """The adapter of an enabled gateway. Raises GatewayDisabled (not enabled or unknown) or
    GatewayUnavailable (its module is missing, its settings incomplete or its keys unreadable)."""
    if name not in enabled_gateways():
        raise GatewayDisabled(extra={"gateway": str(name)[:16], "enabled": enabled_gateways()})
    if missing_settings(name):
        raise GatewayUnavailable(extra={"gateway": name})
    try:
        return BUILDERS[name]()
    except (ImportError, OSError, ValueError, TypeError) as exc:
        # A missing adapter module, an unreadable key file, a key the SDK cannot load.
        raise GatewayUnavailable(extra={"gateway": name}) from exc
