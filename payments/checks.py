"""`manage.py check`: an enabled gateway that cannot work is said at start-up, not at the first
payment (where it is refused with `gateway_unavailable`)."""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register

from payments.gateways import KNOWN, missing_settings


@register()
def gateways_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for name in settings.PAYMENT_GATEWAYS_ENABLED:
        if name not in KNOWN:
            messages.append(
                Warning(
                    f"PAYMENT_GATEWAYS names an unknown gateway {name!r}.",
                    hint=f"Known gateways: {', '.join(KNOWN)}.",
                    id="payments.W001",
                )
            )
            continue
        if name != "sandbox" and find_spec(f"payments.gateways.{name}") is None:
            messages.append(
                Warning(
                    f"Gateway {name!r} is enabled but its adapter is not installed.",
                    hint="It is refused at use with gateway_unavailable.",
                    id="payments.W002",
                )
            )
        missing = missing_settings(name)
        if missing:
            messages.append(
                Warning(
                    f"Gateway {name!r} is enabled but {', '.join(missing)} is not set.",
                    hint="It is refused at use with gateway_unavailable. See README, Payments.",
                    id="payments.W003",
                )
            )
    return messages
