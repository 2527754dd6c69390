"""Domain errors of payments (machine codes stay English; details are translatable)."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import Conflict, DomainError, NotFound


class GatewayDisabled(DomainError):
    code = "gateway_disabled"
    default_detail = _("This payment method is not enabled in this shop.")


class GatewayUnavailable(DomainError):
    """Enabled, but its adapter module is missing or its settings are incomplete."""

    code = "gateway_unavailable"
    default_detail = _("This payment method is not available right now.")


class ChannelInvalid(DomainError):
    code = "channel_invalid"
    default_detail = _("This payment channel is not offered by the gateway.")


class WechatOpenidRequired(DomainError):
    code = "wechat_openid_required"
    default_detail = _("Paying inside WeChat needs a WeChat login. Sign in with WeChat first.")


class WechatOpenidMismatch(DomainError):
    code = "wechat_openid_mismatch"
    default_detail = _("This WeChat account is not the one signed in to the shop.")


class GatewayFailed(DomainError):
    """The provider could not be reached or refused: nothing was charged, try again."""

    status_code = 502
    code = "gateway_error"
    default_detail = _("The payment provider did not answer. Please try again.")


class PaymentNotFound(NotFound):
    code = "payment_not_found"
    default_detail = _("Payment not found.")


class PaymentNotRefundable(Conflict):
    code = "payment_not_refundable"
    default_detail = _("No payment of this order can be refunded.")
