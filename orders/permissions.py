"""Who may send an order's money back. Everything else about orders follows the role
(accounts.permissions); refunds are granted to a person (`orders.can_refund`, accounts.roles)."""

from accounts.permissions import is_staff_user

REFUND_PERMISSION = "orders.can_refund"


def user_may_refund(user) -> bool:
    """Staff (and superusers) may; a merchant only with `orders.can_refund` given to them."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and (is_staff_user(user) or user.has_perm(REFUND_PERMISSION))
    )
