"""The order page's after-sales box: orders sits below aftersales and may not import it, so its
template loads this tag, which reads the order's requests and asks the service whether a new
one may be opened (the same check the request form and the API make)."""

from __future__ import annotations

from typing import Any

from django import template

from aftersales import queries, services
from core.exceptions import DomainError

register = template.Library()


@register.inclusion_tag("aftersales/_order_box.html")
def order_after_sales(order: Any) -> dict[str, Any]:
    try:
        services.aftersales_order_check(order)
        refusal = ""
    except DomainError as error:
        refusal = str(error.detail)
    return {"order": order, "requests": list(queries.order_requests(order.pk)), "refusal": refusal}
