"""Domain errors of accounts: logins, tokens and addresses (machine codes stay English; details
are translatable)."""

from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError, NotFound


class RefreshTokenInvalid(DomainError):
    status_code = 401
    code = "token_not_valid"
    default_detail = _("The refresh token is invalid, expired or already used.")


class RefreshTokenNotOwned(DomainError):
    status_code = 400
    code = "refresh_token_not_owned"
    default_detail = _("This refresh token does not belong to you.")


class AccountDisabled(DomainError):
    code = "account_disabled"
    default_detail = _("This account is disabled.")


class AddressNotFound(NotFound):
    """Someone else's address is "not found", not "forbidden": ids are not an oracle."""

    code = "address_not_found"
    default_detail = _("Address not found.")


class WeChatNotConfigured(DomainError):
    status_code = 503
    code = "wechat_not_configured"
    default_detail = _("WeChat login is not configured.")


class WeChatCodeInvalid(DomainError):
    status_code = 400
    code = "wechat_code_invalid"
    default_detail = _("The WeChat login code is invalid or expired.")


class WeChatUnavailable(DomainError):
    status_code = 502
    code = "wechat_unavailable"
    default_detail = _("WeChat could not be reached. Please try again.")
