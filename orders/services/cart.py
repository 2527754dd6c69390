"""Cart writes: adding, changing and removing lines, merging a guest cart at login, purging
abandoned guest carts. Every write locks the cart first (orders.locks.cart_lock)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import ProductVariant
from catalog.queries import category_hidden_ids, variant_sellable
from catalog.suggestions import behaviour_record
from core.money import MONEY_MAX, ZERO, amount_too_large, money
from core.transactions import on_commit_robust
from inventory.exceptions import InsufficientStock
from inventory.queries import variant_availability
from orders import locks
from orders.exceptions import (
    CartItemNotFound,
    CartNotFound,
    QuantityInvalid,
    VariantInactive,
    VariantNotFound,
)
from orders.models import (
    Cart,
    CartItem,
)
from orders.services.pricing import order_totals

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def cart_token_parse(token: object) -> uuid.UUID | None:
    if not token:
        return None
    try:
        return uuid.UUID(str(token))
    except (TypeError, ValueError, AttributeError):
        return None


def cart_get_or_create(*, user: User | AnonymousUser | None = None, token: object = None) -> Cart:
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
    parsed = cart_token_parse(token)
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
    cart = locks.cart_lock(cart)
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
    # Feeds the recommendations (buffered there, after the commit). The user goes by id: the
    # locked cart did not load the user row, and this must cost no query.
    visitor = "" if cart.user_id else str(cart.token)
    on_commit_robust(_cart_add_record, variant.product_id, cart.user_id, visitor)
    return item


def _cart_add_record(product_id: int, user_id: int | None, visitor: str) -> None:
    behaviour_record("cart", [product_id], user=user_id, visitor=visitor)


def _cart_item(cart: Cart, item_id: int) -> CartItem:
    item = CartItem.objects.select_related("variant__product").filter(cart=cart, pk=item_id).first()
    if item is None:
        # Another cart's line is "not found": line ids must not reveal other carts.
        raise CartItemNotFound()
    return item


@transaction.atomic
def cart_item_update(cart: Cart, *, item_id: int, quantity: int) -> CartItem:
    """Set a line's quantity. Lowering it is always allowed; raising it checks stock."""
    cart = locks.cart_lock(cart)
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
    cart = locks.cart_lock(cart)
    _cart_item(cart, item_id).delete()
    _touch(cart)


@transaction.atomic
def cart_clear(cart: Cart) -> None:
    cart = locks.cart_lock(cart)
    CartItem.objects.filter(cart=cart).delete()


@transaction.atomic
def cart_merge(user: User, *, token: object) -> Cart:
    """Move a guest cart's lines into the user's cart after login, then delete the guest cart.

    Quantities add up but are capped at what is available (and the per-line maximum), so a merge never
    produces a line that checkout would refuse. Lines of variants no longer sold are dropped.
    """
    user_cart = locks.cart_lock(cart_get_or_create(user=user))
    parsed = cart_token_parse(token)
    guest = locks.guest_cart_lock(parsed) if parsed else None
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
