"""Checkout: turning a cart into an order, all or nothing (order_place)."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.exceptions import AddressNotFound
from catalog.queries import category_hidden_ids, variant_sellable
from core.exceptions import DomainError
from core.money import MONEY_MAX, ZERO, amount_too_large, money
from inventory.services import stock_allocate
from orders import locks
from orders.exceptions import (
    AddressInvalid,
    CartEmpty,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    PaymentMethodInvalid,
    QuantityInvalid,
    VariantInactive,
)
from orders.models import (
    Cart,
    CartItem,
    Order,
    OrderLine,
)
from orders.services.notifications import order_email_on_commit
from orders.services.pricing import order_totals
from orders.services.transitions import Status, order_event_write
from promotions.exceptions import CouponNotFound
from promotions.services import CouponLine, CouponQuote, coupon_quote, coupon_redeem

if TYPE_CHECKING:
    from accounts.models import User

KNOWN_GATEWAYS = ("alipay", "wechat", "sandbox")
ADDRESS_REQUIRED = ("full_name", "phone", "province", "city", "street")
ADDRESS_OPTIONAL = ("district", "postal_code", "country")

# (cart line, unit price, line total) at today's prices.
Priced: TypeAlias = "list[tuple[CartItem, Decimal, Decimal]]"


def _check_line_quantities(items: list[CartItem]) -> None:
    """Re-check the per-line limit at checkout: the setting may have been lowered since a line
    went into the cart, and the cart endpoints enforce it only when a line changes."""
    limit = settings.CART_MAX_LINE_QUANTITY
    over = [item for item in items if not 1 <= item.quantity <= limit]
    if over:
        raise QuantityInvalid(
            _("At most %(max)d of each item per order: change the quantity of %(skus)s.")
            % {"max": limit, "skus": ", ".join(item.variant.sku for item in over)},
            extra={
                "max_quantity": limit,
                "lines": [
                    {
                        "item_id": item.pk,
                        "variant_id": item.variant_id,
                        "sku": item.variant.sku,
                        "quantity": item.quantity,
                    }
                    for item in over
                ],
            },
        )


class _IdempotentReplay(Exception):
    def __init__(self, order: Order) -> None:
        super().__init__(order.number)
        self.order = order


def _order_number() -> str:
    # Local date + 8 random digits: readable on the phone, neither sequential nor guessable.
    return f"{timezone.localdate():%Y%m%d}{secrets.randbelow(10**8):08d}"


IDEMPOTENCY_KEY_MAX_LENGTH = 128


def _clean_idempotency_key(key: str | None) -> str | None:
    """The key as stored, or None when the client sent none.

    A malformed key is refused rather than repaired: cutting long keys made two different keys
    collide (and replay each other's order), and control or non-ASCII characters are never part
    of a key a client generated on purpose.
    """
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not all(" " <= c <= "~" for c in key):
        raise IdempotencyKeyInvalid(extra={"max_length": IDEMPOTENCY_KEY_MAX_LENGTH})
    return key


def _request_fingerprint(
    *,
    address_id: int | None,
    shipping_address: dict[str, Any] | None,
    coupon_code: str,
    payment_method: str,
    notes: str,
) -> str:
    """A hash of what the checkout request asked for, to tell a retry from a reused key.

    The cart is left out on purpose: the first placement empties it, so a genuine retry sees a
    different cart.
    """
    body = {
        "address_id": address_id,
        "shipping_address": shipping_address,
        "coupon_code": (coupon_code or "").strip(),
        "payment_method": payment_method,
        "notes": notes or "",
    }
    canonical = json.dumps(
        body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(order: Order, fingerprint: str) -> Order:
    # Orders placed before fingerprints were stored have none: they replay as they always did.
    if order.idempotency_fingerprint and order.idempotency_fingerprint != fingerprint:
        raise IdempotencyKeyReused(extra={"order_number": order.number})
    order.idempotent_replay = True
    return order


def payment_methods_enabled() -> list[str]:
    """The gateways a shopper may choose now, in the shop's order (KNOWN_GATEWAYS)."""
    enabled = set(getattr(settings, "PAYMENT_GATEWAYS_ENABLED", ["sandbox"]))
    return [name for name in KNOWN_GATEWAYS if name in enabled]


def _check_payment_method(payment_method: str) -> None:
    enabled = payment_methods_enabled()
    if payment_method not in enabled:
        raise PaymentMethodInvalid(extra={"enabled": sorted(enabled)})


def _address_snapshot(
    user: User, *, address_id: int | None, shipping_address: object
) -> dict[str, Any]:
    from accounts.models import Address

    if address_id is not None:
        address = Address.objects.filter(user=user, pk=address_id).first()
        if address is None:
            raise AddressNotFound()
        return address.as_snapshot()
    if not isinstance(shipping_address, dict):
        raise AddressInvalid()
    missing = [f for f in ADDRESS_REQUIRED if not str(shipping_address.get(f) or "").strip()]
    if missing:
        raise AddressInvalid(extra={"missing": missing})
    snapshot = {f: str(shipping_address[f]).strip() for f in ADDRESS_REQUIRED}
    for name in ADDRESS_OPTIONAL:
        snapshot[name] = str(shipping_address.get(name) or "").strip()
    snapshot["country"] = snapshot["country"] or "CN"
    return snapshot


def _save_new_order(order: Order, *, user: User, idempotency_key: str | None) -> None:
    """Insert the order, retrying the random number on a collision.

    The (user, idempotency_key) unique constraint is what makes a replayed request race-safe: the
    second insert waits for the first transaction and then fails here, and we answer with the first
    order instead of placing another.
    """
    for _attempt in range(5):
        order.number = _order_number()
        try:
            with transaction.atomic():
                order.save(force_insert=True)
            return
        except IntegrityError:
            if idempotency_key:
                existing = Order.objects.filter(user=user, idempotency_key=idempotency_key).first()
                if existing is not None:
                    raise _IdempotentReplay(existing) from None
            if not Order.objects.filter(number=order.number).exists():
                raise
    raise RuntimeError("could not find a free order number")


def order_place(
    user: User,
    *,
    cart: Cart,
    address_id: int | None = None,
    shipping_address: dict[str, Any] | None = None,
    coupon_code: str = "",
    payment_method: str,
    notes: str = "",
    idempotency_key: str | None = None,
) -> Order:
    """Turn the cart into an order, all or nothing.

    Prices come from the database only. Stock is allocated and the coupon redeemed inside the same
    transaction as the order, so any failure (stock, coupon, address) leaves no order, no allocation,
    an unused coupon and the cart as it was. With an `idempotency_key` a retried request (same user,
    same key, same body) gets the first order back; `order.idempotent_replay` tells the caller
    which happened. The same key with a different body is `idempotency_key_reused`.
    """
    idempotency_key = _clean_idempotency_key(idempotency_key)
    fingerprint = ""
    if idempotency_key:
        fingerprint = _request_fingerprint(
            address_id=address_id,
            shipping_address=shipping_address,
            coupon_code=coupon_code,
            payment_method=payment_method,
            notes=notes,
        )
        existing = Order.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replay(existing, fingerprint)
    _check_payment_method(payment_method)
    try:
        with transaction.atomic():
            order = _order_place(
                user,
                cart=cart,
                address_id=address_id,
                shipping_address=shipping_address,
                coupon_code=(coupon_code or "").strip(),
                payment_method=payment_method,
                notes=notes or "",
                idempotency_key=idempotency_key,
                idempotency_fingerprint=fingerprint,
            )
    except _IdempotentReplay as replay:
        # Raised inside the transaction, so nothing of this attempt was kept.
        return _replay(replay.order, fingerprint)
    order.idempotent_replay = False
    return order


def _check_order_amounts(priced: Priced, totals: dict[str, Decimal]) -> None:
    """Refuse, before anything is written, an order whose lines or amounts do not fit the money
    columns (lines stored before a price was raised, or more lines than one order can hold)."""
    over = [
        {"item_id": item.pk, "variant_id": item.variant_id, "sku": item.variant.sku}
        for item, _unit, line_total in priced
        if line_total > MONEY_MAX
    ]
    if over or any(amount > MONEY_MAX for amount in totals.values()):
        raise amount_too_large(lines=over, total=str(totals["total"]))


def _order_place(
    user: User,
    *,
    cart: Cart,
    address_id: int | None,
    shipping_address: dict[str, Any] | None,
    coupon_code: str,
    payment_method: str,
    notes: str,
    idempotency_key: str | None,
    idempotency_fingerprint: str,
) -> Order:
    """The body of order_place, inside its transaction: each step below raises before anything is
    written, or writes; the transaction makes the whole all or nothing."""
    cart = locks.cart_lock(cart)
    if idempotency_key:
        # A concurrent request with the same key held the cart lock until it committed.
        existing = Order.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if existing is not None:
            raise _IdempotentReplay(existing)
    snapshot = _address_snapshot(user, address_id=address_id, shipping_address=shipping_address)
    items = _cart_lines_checked(cart)
    priced = _lines_priced(items)
    subtotal = sum((line_total for _item, _unit, line_total in priced), ZERO)
    quote, discount = _coupon_applied(user, coupon_code, priced, subtotal)
    totals = _totals_computed(items, subtotal, discount)
    _check_order_amounts(priced, totals)

    order = Order(
        user=user,
        payment_method=payment_method,
        currency=settings.SHOP_CURRENCY,
        coupon_code=quote.user_coupon.template.code if quote else "",
        shipping_address=snapshot,
        notes=notes[:500],
        idempotency_key=idempotency_key,
        idempotency_fingerprint=idempotency_fingerprint,
        expires_at=timezone.now() + timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES),
        **totals,
    )
    _save_new_order(order, user=user, idempotency_key=idempotency_key)
    lines = _lines_written(order, priced)
    # Lock order after the cart and the new order: stock rows (pk order), allocations, coupon.
    stock_allocate(lines, actor=user)
    if quote is not None:
        coupon_redeem(quote, order=order)
    CartItem.objects.filter(cart=cart).delete()
    order_event_write(order, "", Status.PENDING, actor=user)
    order_email_on_commit(order, "placed")
    return order


@dataclass
class CheckoutQuote:
    """What an order from these cart lines would cost now: the totals order_place would store,
    and why the coupon does not apply (`coupon_error`), if it does not."""

    totals: dict[str, Decimal]
    coupon_code: str = ""
    coupon_error: DomainError | None = None


def checkout_quote(
    user: User | AnonymousUser | None, *, items: list[CartItem], coupon_code: str = ""
) -> CheckoutQuote:
    """Price cart lines (loaded with `variant__product`) as order_place will, without writing
    anything: the cart and checkout pages show these totals before the shopper places the order.

    A coupon needs a signed-in user; a guest's code is `coupon_not_found` like an unknown one.
    """
    priced = _lines_priced(items)
    subtotal = sum((line_total for _item, _unit, line_total in priced), ZERO)
    code = (coupon_code or "").strip()
    discount = ZERO
    error: DomainError | None = None
    if code and priced:
        try:
            if user is None or not user.is_authenticated or isinstance(user, AnonymousUser):
                raise CouponNotFound()
            _quote, discount = _coupon_applied(user, code, priced, subtotal)
        except DomainError as exc:
            error = exc
    totals = (
        _totals_computed(items, subtotal, discount)
        if priced
        else order_totals(ZERO, discount=ZERO, requires_shipping=False)
    )
    return CheckoutQuote(
        totals=totals, coupon_code=code if error is None else "", coupon_error=error
    )


def _cart_lines_checked(cart: Cart) -> list[CartItem]:
    """The cart's lines, refused when empty, unsellable or over the line limit: checkout must not
    trust what the cart endpoints checked when each line was added."""
    items = list(cart.items.select_related("variant__product").order_by("pk"))
    if not items:
        raise CartEmpty()
    hidden = category_hidden_ids()
    inactive = [
        {"item_id": item.pk, "variant_id": item.variant_id, "sku": item.variant.sku}
        for item in items
        if not variant_sellable(item.variant, hidden)
    ]
    if inactive:
        raise VariantInactive(
            _("Some products in your cart are no longer sold."), extra={"lines": inactive}
        )
    _check_line_quantities(items)
    return items


def _lines_priced(items: list[CartItem]) -> Priced:
    """(item, unit price, line total) at today's prices from the database: never a price the
    client sent or the cart remembered."""
    return [
        (item, money(item.variant.price), money(item.variant.price * item.quantity))
        for item in items
    ]


def _coupon_applied(
    user: User, coupon_code: str, priced: Priced, subtotal: Decimal
) -> tuple[CouponQuote | None, Decimal]:
    """(quote, discount) of the coupon, or (None, 0): quoted here without a lock, redeemed under
    one after the stock is allocated (the lock order puts coupons after stock)."""
    if not coupon_code:
        return None, ZERO
    coupon_lines = [
        CouponLine(category_id=item.variant.product.category_id, amount=line_total)
        for item, _unit, line_total in priced
    ]
    quote = coupon_quote(user, code=coupon_code, lines=coupon_lines)
    return quote, min(money(quote.discount), subtotal)


def _totals_computed(
    items: list[CartItem], subtotal: Decimal, discount: Decimal
) -> dict[str, Decimal]:
    """The order's amounts; shipping is charged only when a line is a physical good."""
    requires_shipping = any(
        item.variant.product.requires_shipping and not item.variant.product.is_digital
        for item in items
    )
    return order_totals(subtotal, discount=discount, requires_shipping=requires_shipping)


def _lines_written(order: Order, priced: Priced) -> list[OrderLine]:
    """The order's lines, with names, SKU and prices copied: the order must read the same after
    the catalogue changes."""
    return [
        OrderLine.objects.create(
            order=order,
            variant=item.variant,
            product=item.variant.product,
            product_name=item.variant.product.name,
            variant_name=item.variant.name,
            sku=item.variant.sku,
            unit_price=unit,
            quantity=item.quantity,
            line_total=line_total,
        )
        for item, unit, line_total in priced
    ]
