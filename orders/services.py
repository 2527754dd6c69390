"""Write operations on carts and orders: one function per business operation.

The order's life is a state machine (DESIGN.md): each transition is one function here that locks the
order row, checks the move is legal, changes the order and writes an `OrderEvent`. Views, the admin
and Celery tasks all call these functions, so each rule lives here once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.cache import catalog_cache_invalidate
from catalog.models import Product, ProductVariant
from catalog.queries import category_hidden_ids, variant_sellable
from inventory.exceptions import InsufficientStock
from inventory.queries import variant_availability
from inventory.services import stock_allocate, stock_release, stock_ship
from orders.exceptions import (
    AddressInvalid,
    AmountMismatch,
    CartEmpty,
    CartGone,
    CartItemNotFound,
    CartNotFound,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    InvalidTransition,
    OrderNotPayable,
    PaymentMethodInvalid,
    QuantityInvalid,
    RefundInvalid,
    ShipmentInvalid,
    VariantInactive,
    VariantNotFound,
)
from orders.models import (
    Cart,
    CartItem,
    Order,
    OrderEvent,
    OrderLine,
    OrderNotification,
    Shipment,
)
from promotions.services import CouponLine, coupon_quote, coupon_redeem, coupon_restore
from shop.exceptions import NotFound
from shop.money import MONEY_MAX, amount_too_large

if TYPE_CHECKING:
    from accounts.models import User

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
KNOWN_GATEWAYS = ("alipay", "wechat", "sandbox")
ADDRESS_REQUIRED = ("full_name", "phone", "province", "city", "street")
ADDRESS_OPTIONAL = ("district", "postal_code", "country")

Status = Order.Status
PaymentStatus = Order.PaymentStatus

# The legal moves of the order state machine (DESIGN.md). Anything else is `invalid_transition`.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PENDING: frozenset({Status.PROCESSING, Status.CANCELLED}),
    Status.PROCESSING: frozenset({Status.SHIPPED, Status.CANCELLED, Status.REFUNDED}),
    Status.SHIPPED: frozenset({Status.DELIVERED, Status.REFUNDED}),
    Status.DELIVERED: frozenset({Status.REFUNDED}),
    Status.CANCELLED: frozenset(),
    Status.REFUNDED: frozenset(),
}


def money(value: Decimal | int | float | str | None) -> Decimal:
    """An amount quantized to the cent, half-up. A float (what SQLite can hand back for an
    aggregate) goes through its shortest repr: Decimal(2.675) is 2.67499... and would round down."""
    if value is None:
        value = ZERO
    elif isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- Cart ---------------------------------------------------------------------------------------------


def _parse_token(token) -> uuid.UUID | None:
    if not token:
        return None
    try:
        return uuid.UUID(str(token))
    except (TypeError, ValueError, AttributeError):
        return None


def cart_get_or_create(*, user=None, token=None) -> Cart:
    """The cart a request works on: a logged-in user's one cart, or the guest cart of `token`.

    A guest token never opens a user's cart, so a leaked token of a logged-in shopper is useless.
    An unknown guest token gets a fresh cart (with a new token the client must keep).
    """
    if user is not None and user.is_authenticated:
        cart = Cart.objects.filter(user=user).first()
        if cart is not None:
            return cart
        try:
            with transaction.atomic():
                return Cart.objects.create(user=user)
        except IntegrityError:
            # Two first requests of the same user raced; the other one created the cart.
            return Cart.objects.get(user=user)
    parsed = _parse_token(token)
    if parsed is not None:
        cart = Cart.objects.filter(token=parsed, user__isnull=True).first()
        if cart is not None:
            return cart
    return Cart.objects.create()


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= settings.CART_MAX_LINE_QUANTITY:
        raise QuantityInvalid(
            _("Quantity must be between 1 and %(max)d.") % {"max": settings.CART_MAX_LINE_QUANTITY},
            extra={"max_quantity": settings.CART_MAX_LINE_QUANTITY},
        )


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


def _check_available(variant: ProductVariant, quantity: int) -> None:
    available = variant_availability([variant.pk]).get(variant.pk, 0)
    if quantity > available:
        raise InsufficientStock(
            _("Only %(n)d left of %(sku)s.") % {"n": available, "sku": variant.sku},
            extra={
                "available": available,
                "lines": [
                    {
                        "variant_id": variant.pk,
                        "sku": variant.sku,
                        "requested": quantity,
                        "available": available,
                    }
                ],
            },
        )


def _check_cart_amounts(cart: Cart, *, variant: ProductVariant, quantity: int) -> None:
    """Refuse a line change that would make the line, or the order the cart becomes, larger than
    an order can store (`amount_too_large`); checked at current prices, as checkout will price it.
    Lines already stored may exceed it (a price raised since): they are flagged by the cart view
    and refused by checkout, and lowering them is always allowed."""
    line_total = money(variant.price * quantity)
    others = (
        CartItem.objects.filter(cart=cart)
        .exclude(variant=variant)
        .values_list("variant__price", "quantity")
    )
    subtotal = line_total + sum((money(price * qty) for price, qty in others), ZERO)
    total = order_totals(subtotal, discount=ZERO, requires_shipping=True)["total"]
    if line_total > MONEY_MAX or total > MONEY_MAX:
        raise amount_too_large(
            variant_id=variant.pk, line_total=str(line_total), cart_total=str(total)
        )


def _lock_cart(cart: Cart) -> Cart:
    """Re-read the cart under a row lock before any change to it.

    Serialises writes to one cart: two quick "add" taps must not both create the same line. The
    cart may be gone by now (a login merged it away, the abandoned-cart purge deleted it) although
    the request found it a moment ago: that is `cart_gone` (409), raised before anything was written.
    """
    locked = Cart.objects.select_for_update().filter(pk=cart.pk).first()
    if locked is None:
        raise CartGone()
    return locked


def _touch(cart: Cart) -> None:
    # `updated_at` is the cart's last activity: abandoned guest carts are purged by it.
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())


@transaction.atomic
def cart_item_add(cart: Cart, *, variant_id: int, quantity: int) -> CartItem:
    """Add units of a variant; an existing line of the same variant grows instead of duplicating."""
    variant = ProductVariant.objects.select_related("product").filter(pk=variant_id).first()
    if variant is None:
        raise VariantNotFound()
    if not variant_sellable(variant, category_hidden_ids()):
        raise VariantInactive()
    cart = _lock_cart(cart)
    item = CartItem.objects.filter(cart=cart, variant=variant).first()
    new_quantity = (item.quantity if item else 0) + quantity
    _check_quantity(quantity)
    _check_quantity(new_quantity)
    _check_cart_amounts(cart, variant=variant, quantity=new_quantity)
    _check_available(variant, new_quantity)
    if item is None:
        item = CartItem.objects.create(cart=cart, variant=variant, quantity=new_quantity)
    else:
        item.quantity = new_quantity
        item.save(update_fields=["quantity"])
    _touch(cart)
    return item


def _cart_item(cart: Cart, item_id) -> CartItem:
    item = CartItem.objects.select_related("variant__product").filter(cart=cart, pk=item_id).first()
    if item is None:
        # Another cart's line is "not found": line ids must not reveal other carts.
        raise CartItemNotFound()
    return item


@transaction.atomic
def cart_item_update(cart: Cart, *, item_id: int, quantity: int) -> CartItem:
    """Set a line's quantity. Lowering it is always allowed; raising it checks stock."""
    cart = _lock_cart(cart)
    item = _cart_item(cart, item_id)
    _check_quantity(quantity)
    if quantity > item.quantity:
        variant = item.variant
        if not variant_sellable(variant, category_hidden_ids()):
            raise VariantInactive()
        _check_cart_amounts(cart, variant=variant, quantity=quantity)
        _check_available(variant, quantity)
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    _touch(cart)
    return item


@transaction.atomic
def cart_item_remove(cart: Cart, *, item_id: int) -> None:
    # Locked like every other cart write: a vanished cart is `cart_gone`, not a missing line.
    cart = _lock_cart(cart)
    _cart_item(cart, item_id).delete()
    _touch(cart)


@transaction.atomic
def cart_clear(cart: Cart) -> None:
    cart = _lock_cart(cart)
    CartItem.objects.filter(cart=cart).delete()


@transaction.atomic
def cart_merge(user, *, token) -> Cart:
    """Move a guest cart's lines into the user's cart after login, then delete the guest cart.

    Quantities add up but are capped at what is available (and the per-line maximum), so a merge never
    produces a line that checkout would refuse. Lines of variants no longer sold are dropped.
    """
    user_cart = _lock_cart(cart_get_or_create(user=user))
    parsed = _parse_token(token)
    guest = (
        Cart.objects.select_for_update().filter(token=parsed, user__isnull=True).first()
        if parsed
        else None
    )
    if guest is None:
        raise CartNotFound()
    guest_items = list(guest.items.select_related("variant__product"))
    existing = {item.variant_id: item for item in user_cart.items.all()}
    available = variant_availability([item.variant_id for item in guest_items])
    hidden = category_hidden_ids()
    for guest_item in guest_items:
        variant = guest_item.variant
        if not variant_sellable(variant, hidden):
            continue
        mine = existing.get(variant.pk)
        current = mine.quantity if mine else 0
        wanted = current + guest_item.quantity
        capped = min(wanted, available.get(variant.pk, 0), settings.CART_MAX_LINE_QUANTITY)
        if capped <= current:
            continue
        if mine is None:
            existing[variant.pk] = CartItem.objects.create(
                cart=user_cart, variant=variant, quantity=capped
            )
        else:
            mine.quantity = capped
            mine.save(update_fields=["quantity"])
    guest.delete()
    return user_cart


PURGE_BATCH_SIZE = 500


def carts_purge_abandoned(*, older_than_days: int | None = None) -> int:
    """Delete guest carts nobody touched for CART_GUEST_RETENTION_DAYS; returns how many.

    Guest carts are created by any visitor adding to a cart and are never claimed by a login
    unless the visitor logs in, so without this they pile up for ever. Users' carts are kept.
    Works in small batches, each its own transaction, and skips carts locked by a request
    editing them right now (that request makes them recent anyway).
    """
    days = settings.CART_GUEST_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    purged = 0
    while True:
        with transaction.atomic():
            pks = list(
                Cart.objects.select_for_update(skip_locked=True)
                .filter(user__isnull=True, updated_at__lt=cutoff)
                .order_by("pk")
                .values_list("pk", flat=True)[:PURGE_BATCH_SIZE]
            )
            if not pks:
                return purged
            _count, by_model = Cart.objects.filter(pk__in=pks).delete()
            purged += by_model.get(Cart._meta.label, 0)


# --- Checkout -----------------------------------------------------------------------------------------


class _IdempotentReplay(Exception):
    def __init__(self, order: Order):
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
    *, address_id, shipping_address, coupon_code, payment_method, notes
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


def _check_payment_method(payment_method: str) -> None:
    enabled = set(getattr(settings, "PAYMENT_GATEWAYS_ENABLED", ["sandbox"]))
    if payment_method not in KNOWN_GATEWAYS or payment_method not in enabled:
        raise PaymentMethodInvalid(extra={"enabled": sorted(enabled & set(KNOWN_GATEWAYS))})


def _address_snapshot(user, *, address_id, shipping_address) -> dict:
    from accounts.models import Address

    if address_id is not None:
        address = Address.objects.filter(user=user, pk=address_id).first()
        if address is None:
            raise NotFound(_("Address not found."), code="address_not_found")
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


def order_totals(subtotal: Decimal, *, discount: Decimal, requires_shipping: bool) -> dict:
    """Tax and shipping on the discounted amount, the way the shop charges them."""
    taxable = money(subtotal - discount)
    tax = money(taxable * settings.TAX_RATE)
    free = taxable >= settings.SHIPPING_FREE_THRESHOLD or not requires_shipping
    shipping = ZERO if free else money(settings.SHIPPING_FLAT_FEE)
    return {
        "subtotal": money(subtotal),
        "discount_amount": money(discount),
        "tax_amount": tax,
        "shipping_amount": shipping,
        "total": money(taxable + tax + shipping),
    }


def _save_new_order(order: Order, *, user, idempotency_key) -> None:
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
    user,
    *,
    cart: Cart,
    address_id: int | None = None,
    shipping_address: dict | None = None,
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


def _check_order_amounts(priced, totals: dict) -> None:
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
    user,
    *,
    cart,
    address_id,
    shipping_address,
    coupon_code,
    payment_method,
    notes,
    idempotency_key,
    idempotency_fingerprint,
) -> Order:
    cart = _lock_cart(cart)
    if idempotency_key:
        # A concurrent request with the same key held the cart lock until it committed.
        existing = Order.objects.filter(user=user, idempotency_key=idempotency_key).first()
        if existing is not None:
            raise _IdempotentReplay(existing)
    snapshot = _address_snapshot(user, address_id=address_id, shipping_address=shipping_address)
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

    priced = [
        (item, money(item.variant.price), money(item.variant.price * item.quantity))
        for item in items
    ]
    subtotal = sum((line_total for _item, _unit, line_total in priced), ZERO)
    quote = None
    discount = ZERO
    if coupon_code:
        coupon_lines = [
            CouponLine(category_id=item.variant.product.category_id, amount=line_total)
            for item, _unit, line_total in priced
        ]
        quote = coupon_quote(user, code=coupon_code, lines=coupon_lines)
        discount = min(money(quote.discount), subtotal)
    requires_shipping = any(
        item.variant.product.requires_shipping and not item.variant.product.is_digital
        for item in items
    )
    totals = order_totals(subtotal, discount=discount, requires_shipping=requires_shipping)
    _check_order_amounts(priced, totals)

    now = timezone.now()
    order = Order(
        user=user,
        payment_method=payment_method,
        currency=settings.SHOP_CURRENCY,
        coupon_code=quote.user_coupon.template.code if quote else "",
        shipping_address=snapshot,
        notes=notes[:500],
        idempotency_key=idempotency_key,
        idempotency_fingerprint=idempotency_fingerprint,
        expires_at=now + timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES),
        **totals,
    )
    _save_new_order(order, user=user, idempotency_key=idempotency_key)
    lines = [
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
    stock_allocate(lines, actor=user)
    if quote is not None:
        coupon_redeem(quote, order=order)
    CartItem.objects.filter(cart=cart).delete()
    _event(order, "", Status.PENDING, actor=user)
    _email_on_commit(order, "placed")
    return order


# --- The order state machine ------------------------------------------------------------------------


def _lock(order: Order) -> Order:
    """Re-read the order under a row lock: whoever holds it decides, the other sees the result."""
    return Order.objects.select_for_update().get(pk=order.pk)


def _event(
    order,
    from_status,
    to_status,
    *,
    actor: User | None = None,
    note="",
    kind=OrderEvent.Kind.STATUS,
):
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        note=str(note)[:500],
    )


def _check_transition(order: Order, to_status: str) -> None:
    if to_status not in TRANSITIONS[order.status]:
        raise InvalidTransition(
            _("An order that is %(from)s cannot become %(to)s.")
            % {"from": order.get_status_display(), "to": Status(to_status).label},
            extra={"from_status": order.status, "to_status": str(to_status)},
        )


def _move(order: Order, to_status: str, *, actor: User | None = None, note="") -> None:
    _check_transition(order, to_status)
    from_status = order.status
    order.status = to_status
    _event(order, from_status, to_status, actor=actor, note=note)


def _pay_move(order: Order, to_status: str, *, actor: User | None = None, note="") -> None:
    from_status = order.payment_status
    order.payment_status = to_status
    _event(order, from_status, to_status, actor=actor, note=note, kind=OrderEvent.Kind.PAYMENT)


def _email_on_commit(order: Order, kind: str) -> None:
    from orders.tasks import order_email_send

    order_id = order.pk
    # robust: a mail server failure after commit must not turn a placed order into an error page.
    transaction.on_commit(lambda: order_email_send.delay(order_id, kind), robust=True)


def _is_paid(order: Order) -> bool:
    return order.payment_status in (
        PaymentStatus.PAID,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.REFUNDED,
    )


@transaction.atomic
def order_cancel(order: Order, *, actor: User | None = None, reason: str = "") -> Order:
    """Cancel a pending or paid-but-unshipped order: stock goes back on the shelf.

    An unpaid order also gives its coupon back. A paid order's money is returned by the payments
    app (a refund through the gateway); here we only record that it is owed.
    """
    order = _lock(order)
    _check_transition(order, Status.CANCELLED)
    paid = _is_paid(order)
    _move(order, Status.CANCELLED, actor=actor, note=reason)
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    stock_release(order, actor=actor)
    if paid:
        _event(
            order,
            "",
            "refund_due",
            actor=actor,
            note=_("Paid order cancelled: %(amount)s to refund through the payment gateway.")
            % {"amount": order.total - order.refunded_amount},
            kind=OrderEvent.Kind.NOTE,
        )
    else:
        coupon_restore(order)
    _email_on_commit(order, "cancelled")
    return order


@transaction.atomic
def order_expire(order: Order) -> Order:
    """Cancel an unpaid order whose payment time ran out. Does nothing to any other order.

    Called by the Beat task; a payment racing it is decided by the row lock: if the payment
    committed first, the order is no longer pending and stays as it is.
    """
    order = _lock(order)
    if order.status != Status.PENDING or order.expires_at is None:
        return order
    if order.expires_at > timezone.now():
        return order
    _move(order, Status.CANCELLED, note=_("Payment time ran out."))
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    stock_release(order)
    coupon_restore(order)
    _email_on_commit(order, "cancelled")
    return order


@transaction.atomic
def order_mark_paid(
    order: Order,
    *,
    gateway: str,
    transaction_id: str = "",
    amount: Decimal | None = None,
    actor: User | None = None,
) -> Order:
    """Record a confirmed payment: pending -> processing, payment_status -> paid.

    Idempotent: a repeated confirmation of a paid order changes nothing. A payment for an order that
    was cancelled meanwhile raises `order_not_payable`, so the payments app can refund it.
    """
    order = _lock(order)
    if _is_paid(order):
        return order
    if order.status != Status.PENDING:
        raise OrderNotPayable(extra={"status": order.status})
    if amount is not None and money(amount) != order.total:
        raise AmountMismatch(extra={"expected": str(order.total), "received": str(money(amount))})
    note = f"{gateway} {transaction_id}".strip()
    _move(order, Status.PROCESSING, actor=actor, note=note)
    _pay_move(order, PaymentStatus.PAID, actor=actor, note=note)
    order.paid_at = timezone.now()
    if gateway:
        order.payment_method = gateway[:16]
    order.save(
        update_fields=["status", "payment_status", "paid_at", "payment_method", "updated_at"]
    )
    _email_on_commit(order, "paid")
    return order


@transaction.atomic
def order_ship(
    order: Order, *, carrier: str, tracking_number: str, actor: User | None = None
) -> Order:
    """Hand a paid order to a carrier: stock leaves the warehouse and counts as sold."""
    carrier, tracking_number = (carrier or "").strip(), (tracking_number or "").strip()
    if not carrier or not tracking_number:
        raise ShipmentInvalid()
    order = _lock(order)
    _move(order, Status.SHIPPED, actor=actor, note=f"{carrier} {tracking_number}")
    order.shipped_at = timezone.now()
    order.save(update_fields=["status", "shipped_at", "updated_at"])
    Shipment.objects.create(
        order=order, carrier=carrier[:64], tracking_number=tracking_number[:64], shipped_by=actor
    )
    stock_ship(order, actor=actor)
    sold: dict[int, int] = defaultdict(int)
    for product_id, quantity in order.lines.values_list("product_id", "quantity"):
        if product_id is not None:
            sold[product_id] += quantity
    # One UPDATE per product in pk order: the project's lock order. Following the order's line order
    # instead deadlocks two shipments that list the same products the other way round; a single
    # UPDATE ... WHERE id IN (...) would lock in whatever order the plan visits the rows.
    product_ids = sorted(sold)
    for product_id in product_ids:
        Product.objects.filter(pk=product_id).update(
            sales_count=F("sales_count") + sold[product_id]
        )
    transaction.on_commit(lambda: catalog_cache_invalidate(product_ids), robust=True)
    _email_on_commit(order, "shipped")
    return order


@transaction.atomic
def order_deliver(order: Order, *, actor: User | None = None, note: str = "") -> Order:
    """Confirm receipt (by the buyer, or automatically N days after shipment)."""
    order = _lock(order)
    _move(order, Status.DELIVERED, actor=actor, note=note)
    order.delivered_at = timezone.now()
    order.save(update_fields=["status", "delivered_at", "updated_at"])
    return order


@transaction.atomic
def order_refund(
    order: Order, *, amount: Decimal, reason: str = "", actor: User | None = None
) -> Order:
    """Record money given back. The full amount ends the order as `refunded`; less is partial.

    A full refund before shipment puts the allocated stock back; after shipment goods come back
    only when staff restock them (inventory), never automatically. A paid order that was
    cancelled (its stock already released) keeps status `cancelled`: only its payment status
    and refunded amount change, which is how the payments app settles the refund it owes.
    """
    order = _lock(order)
    refundable_status = order.status in (
        Status.PROCESSING,
        Status.SHIPPED,
        Status.DELIVERED,
        Status.CANCELLED,
    )
    if not refundable_status or not _is_paid(order):
        raise InvalidTransition(
            _("Only a paid order can be refunded."),
            extra={"from_status": order.status, "to_status": Status.REFUNDED.value},
        )
    try:
        amount = money(Decimal(amount))
    except (ArithmeticError, TypeError, ValueError):
        raise RefundInvalid() from None
    refundable = order.total - order.refunded_amount
    if amount <= 0 or amount > refundable:
        raise RefundInvalid(
            _("The refund must be more than 0 and at most %(max)s.") % {"max": refundable},
            extra={"refundable": str(refundable)},
        )
    order.refunded_amount = order.refunded_amount + amount
    note = f"{amount} {reason}".strip()
    full = order.refunded_amount == order.total
    release = False
    if full and order.status == Status.CANCELLED:
        _pay_move(order, PaymentStatus.REFUNDED, actor=actor, note=note)
    elif full:
        release = order.status == Status.PROCESSING
        _move(order, Status.REFUNDED, actor=actor, note=note)
        _pay_move(order, PaymentStatus.REFUNDED, actor=actor, note=note)
    else:
        _pay_move(order, PaymentStatus.PARTIALLY_REFUNDED, actor=actor, note=note)
    order.save(update_fields=["status", "payment_status", "refunded_amount", "updated_at"])
    if release:
        stock_release(order, actor=actor)
    return order


# --- Notifications ------------------------------------------------------------------------------------


def order_notification_send(order: Order, *, kind: str) -> bool:
    """Mail the buyer about `kind` (placed, paid, ...) once, however often the task runs.

    Tasks are acknowledged late, so a worker crash or a retry runs the same task again. The
    (order, kind) row is locked while the mail goes out, so a concurrent run waits and then sees it
    sent; `sent_at` is written only after the mail left, so a failed send leaves it unsent and the
    retry sends it. (A crash between the mail leaving and the commit still sends twice: mail is
    at-least-once.) Returns whether a mail was sent now.
    """
    from orders.emails import KINDS, order_email_send

    if kind not in KINDS or not order.user.email:
        return False
    with transaction.atomic():
        # A concurrent first run's insert makes ours fail on the unique constraint once it
        # commits; get_or_create catches that IntegrityError (in its own savepoint) and reads the row.
        notification, _created = OrderNotification.objects.get_or_create(order=order, kind=kind)
        notification = OrderNotification.objects.select_for_update().get(pk=notification.pk)
        if notification.sent_at is not None:
            return False
        sent = order_email_send(order, kind)
        if sent:
            notification.sent_at = timezone.now()
            notification.save(update_fields=["sent_at"])
    return sent
