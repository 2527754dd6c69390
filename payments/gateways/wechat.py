"""WeChat Pay API v3 (wechatpayv3 2.0, public-key mode): the adapter of base.Gateway.

Facts this relies on (docs/payments.md): in public-key mode constructing the SDK makes no network
call; `callback(headers, body)` verifies RSA-SHA256 over "{timestamp}\\n{nonce}\\n{body}\\n" and
decrypts the AES-256-GCM resource, but neither checks the timestamp nor refuses an unknown serial
(it would go and download certificates). So every check that needs no key runs here first, before
the SDK sees the notify, and the SDK's certificate download is switched off for good.

Amounts are integer fen at this boundary only: the rest of the shop speaks Decimal yuan.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.http import HttpRequest, HttpResponse, JsonResponse
from wechatpayv3 import WeChatPay, WeChatPayType

from payments.gateways.base import (
    CLOSED,
    FAILED,
    PENDING,
    REFUNDED,
    SUCCEEDED,
    CreateResult,
    GatewayError,
    NotifyRejected,
    PaymentRequest,
    RefundRequest,
    RefundState,
    TradeState,
)

DEFAULT_API_BASE = "https://api.mch.weixin.qq.com"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
# WeChat signs a notify when it sends it and retries for about a day, each retry freshly signed: a
# notify older (or newer) than this is a replay or a broken clock, and is refused either way.
MAX_CLOCK_SKEW_SECONDS = 300
# A real notify is about 1 KB. Anything far larger is not WeChat: refused before it is read whole.
MAX_NOTIFY_BYTES = 64 * 1024
# WeChat writes times in China Standard Time; time_expire is sent the same way.
CHINA_TZ = timezone(timedelta(hours=8))

# The identifiers WeChat accepts; checking them here also keeps them from reshaping an API path.
OUT_TRADE_NO_RE = re.compile(r"^[A-Za-z0-9_\-|*]{6,32}$")
OUT_REFUND_NO_RE = re.compile(r"^[A-Za-z0-9_\-|*@]{1,64}$")

TRADE_STATES = {
    "SUCCESS": SUCCEEDED,
    "NOTPAY": PENDING,
    "USERPAYING": PENDING,
    "CLOSED": CLOSED,
    "REVOKED": CLOSED,
    "PAYERROR": FAILED,
    "REFUND": REFUNDED,
}
REFUND_STATES = {
    "SUCCESS": SUCCEEDED,
    "PROCESSING": PENDING,
    "ABNORMAL": FAILED,
    "CLOSED": FAILED,
}

# The five headers WeChat signs a notify or an answer with. The signature type is the only one
# that may be absent: RSA2048 is the only algorithm of API v3 (and the SDK raises without it).
H_SERIAL = "Wechatpay-Serial"
H_SIGNATURE = "Wechatpay-Signature"
H_TIMESTAMP = "Wechatpay-Timestamp"
H_NONCE = "Wechatpay-Nonce"
H_SIGNATURE_TYPE = "Wechatpay-Signature-Type"


@dataclass(frozen=True)
class WechatConfig:
    mchid: str
    appid: str
    private_key: str  # the merchant's API private key, PKCS#8 PEM text (apiclient_key.pem)
    cert_serial_no: str  # the serial number of the merchant's API certificate
    apiv3_key: str  # 32 ASCII characters, set in the merchant console
    public_key: str  # WeChat Pay's platform public key, PEM text
    public_key_id: str  # "PUB_KEY_ID_...", the serial WeChat signs with
    api_base: str = DEFAULT_API_BASE
    notify_url: str = ""
    refund_notify_url: str = ""
    timeout: tuple[float, float] = (3, 10)  # (connect, read) seconds

    def __post_init__(self) -> None:
        # A wrong key length would only surface at the first notify, as undecryptable: say it now.
        if len(self.apiv3_key) != 32 or not self.apiv3_key.isascii():
            raise ValueError("WeChat Pay apiv3_key must be exactly 32 ASCII characters")
        if not self.public_key_id.startswith("PUB_KEY_ID_"):
            raise ValueError('WeChat Pay public_key_id must start with "PUB_KEY_ID_"')
        for name in ("mchid", "appid", "cert_serial_no", "private_key", "public_key"):
            if not getattr(self, name):
                raise ValueError(f"WeChat Pay {name} is empty")


class WechatApiError(GatewayError):
    """A non-2xx answer from the API. `code` is WeChat's error code (ORDER_NOT_EXIST, ORDERPAID,
    NOT_ENOUGH, ...) when the answer carried one. Error answers are not signed: the code is a hint
    for the log and for deciding to query again, never proof of a payment's state."""

    def __init__(self, message: str, status: int = 0, code: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code


def _normalize_pem(text: str) -> str:
    # Keys pasted from Windows or an env file come with CRLF or stray blanks; the SDK loads only LF.
    return "\n".join(line.strip() for line in text.strip().splitlines()) + "\n"


def _merchant_key_pkcs8(pem: str) -> str:
    """The merchant key as the PKCS#8 PEM the SDK insists on (a PKCS#1 key is converted)."""
    pem = _normalize_pem(pem)
    if pem.startswith("-----BEGIN PRIVATE KEY-----\n"):
        return pem  # already PKCS#8: the SDK loads it (loading an RSA key costs ~70 ms: once)
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError("WeChat Pay private_key is not a PEM private key") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("WeChat Pay private_key must be an RSA key")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def yuan_to_fen(amount: Decimal) -> int:
    """Exact: a sub-cent, negative or non-finite amount is a bug upstream, never rounded away."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValueError(f"amount must be a finite Decimal, got {amount!r}")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"amount {amount} is not a whole number of cents")
    return int(fen)


def fen_to_yuan(fen: Any) -> Decimal:
    # bool is an int in Python; a JSON true is no amount.
    if not isinstance(fen, int) or isinstance(fen, bool) or fen < 0:
        raise ValueError(f"not an amount in fen: {fen!r}")
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a time: {value!r}")
    parsed = datetime.fromisoformat(
        value
    )  # RFC 3339 as WeChat writes it: 2018-06-08T10:34:56+08:00
    if parsed.tzinfo is None:
        raise ValueError(f"time without offset: {value!r}")
    return parsed


class WechatGateway:
    name = "wechat"
    channels: tuple[str, ...] = ("native", "jsapi", "h5")

    def __init__(self, config: WechatConfig):
        self.config = config
        try:
            public_key = serialization.load_pem_public_key(
                _normalize_pem(config.public_key).encode()
            )
        except ValueError as exc:
            raise ValueError("WeChat Pay public_key is not a PEM public key") from exc
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise ValueError("WeChat Pay public_key must be an RSA key")
        self._public_key = public_key
        self._client = WeChatPay(
            # The SDK's default type; every pay() call names its own.
            wechatpay_type=WeChatPayType.NATIVE,
            mchid=config.mchid,
            private_key=_merchant_key_pkcs8(config.private_key),
            cert_serial_no=config.cert_serial_no,
            appid=config.appid,
            apiv3_key=config.apiv3_key,
            notify_url=config.notify_url or None,
            public_key=_normalize_pem(config.public_key),
            public_key_id=config.public_key_id,
            timeout=config.timeout,
        )
        core = self._client._core
        # The SDK builds every URL as `_gate_way + path`; a local stand-in answers when api_base
        # points at it. Fail loudly if an SDK upgrade renames either attribute used here.
        if not hasattr(core, "_gate_way") or not hasattr(core, "_update_certificates"):
            raise RuntimeError("wechatpayv3 changed: Core._gate_way/_update_certificates missing")
        core._gate_way = config.api_base.rstrip("/")
        # Public-key mode has no certificates to download. The SDK would still try (with a signed
        # request to the API) for a notify or an answer signed under any other serial; make that
        # serial simply unknown, so the signature fails instead of reaching the network.
        core._update_certificates = lambda: None

    # --- create -------------------------------------------------------------------------------

    def create(self, request: PaymentRequest) -> CreateResult:
        if request.channel not in self.channels:
            raise ValueError(f"unknown WeChat Pay channel {request.channel!r}")
        self._check_out_trade_no(request.out_trade_no)
        fen = yuan_to_fen(request.amount)
        if fen <= 0:
            raise ValueError("amount must be positive")
        if not request.subject:
            raise ValueError("subject is required")
        notify_url = request.notify_url or self.config.notify_url
        if not notify_url:
            raise ValueError("notify_url is required")
        kwargs: dict[str, Any] = {
            # WeChat's limit is 127 characters; an order title never needs more.
            "description": request.subject[:127],
            "out_trade_no": request.out_trade_no,
            "amount": {"total": fen, "currency": "CNY"},
            "notify_url": notify_url,
        }
        if request.expires_at is not None:
            if request.expires_at.tzinfo is None:
                raise ValueError("expires_at must be timezone-aware")
            kwargs["time_expire"] = request.expires_at.astimezone(CHINA_TZ).isoformat(
                timespec="seconds"
            )

        if request.channel == "native":
            answer = self._call("pay", pay_type=WeChatPayType.NATIVE, **kwargs)
            code_url = self._answer_str(answer, "code_url")
            return CreateResult(client={"code_url": code_url}, raw=answer)

        if request.channel == "jsapi":
            if not request.payer_openid:
                raise ValueError("jsapi needs the payer's openid")
            answer = self._call(
                "pay",
                pay_type=WeChatPayType.JSAPI,
                payer={"openid": request.payer_openid},
                **kwargs,
            )
            prepay_id = self._answer_str(answer, "prepay_id")
            # The contract's `jsapi_params` (docs/api.md): what wx.requestPayment takes as it is.
            return CreateResult(client={"jsapi_params": self._jsapi_params(prepay_id)}, raw=answer)

        if not request.client_ip:
            raise ValueError("h5 needs the payer's client ip")
        answer = self._call(
            "pay",
            pay_type=WeChatPayType.H5,
            scene_info={"payer_client_ip": request.client_ip, "h5_info": {"type": "Wap"}},
            **kwargs,
        )
        h5_url = self._answer_str(answer, "h5_url")
        if request.return_url:
            # WeChat's documented way back to the shop after paying in the H5 page.
            h5_url += "&redirect_url=" + quote(request.return_url, safe="")
        # A URL the payer opens, like Alipay's page pay: the contract's `pay_url`.
        return CreateResult(client={"pay_url": h5_url}, raw=answer)

    def _jsapi_params(self, prepay_id: str) -> dict[str, str]:
        """What wx.requestPayment (mini-program) / WeixinJSBridge needs, signed with the merchant
        key over "appId\\ntimeStamp\\nnonceStr\\npackage\\n" exactly as the SDK's sign() does."""
        params = {
            "appId": self.config.appid,
            "timeStamp": str(int(time.time())),
            "nonceStr": secrets.token_hex(16),
            "package": f"prepay_id={prepay_id}",
            "signType": "RSA",
        }
        params["paySign"] = self._client.sign(
            [params["appId"], params["timeStamp"], params["nonceStr"], params["package"]]
        )
        return {"prepay_id": prepay_id, **params}

    # --- notifies ------------------------------------------------------------------------------

    def parse_notify(self, request: HttpRequest) -> TradeState:
        resource = self._verified_resource(request, "transaction")
        return self._trade_state(resource, NotifyRejected)

    def parse_refund_notify(self, request: HttpRequest) -> RefundState:
        resource = self._verified_resource(request, "refund")
        return self._refund_state(resource, NotifyRejected)

    def notify_reply(self, accepted: bool) -> HttpResponse:
        # WeChat: 200/204 stops the retries; 4xx/5xx with {"code": "FAIL", "message"} makes it retry.
        if accepted:
            return JsonResponse({"code": "SUCCESS"}, status=200)
        return JsonResponse({"code": "FAIL", "message": "rejected"}, status=400)

    def _verified_resource(self, request: HttpRequest, original_type: str) -> dict[str, Any]:
        """The decrypted resource of a notify, or NotifyRejected. Everything that needs no key is
        checked before the SDK runs; nothing but NotifyRejected leaves this method."""
        try:
            return self._verify_notify(request, original_type)
        except NotifyRejected:
            raise
        except Exception as exc:  # whatever a hostile body makes the SDK or a parser raise
            raise NotifyRejected("malformed", f"{type(exc).__name__}: {exc}"[:200]) from exc

    def _verify_notify(self, request: HttpRequest, original_type: str) -> dict[str, Any]:
        headers = {
            name: request.headers.get(name, "").strip()
            for name in (H_SERIAL, H_SIGNATURE, H_TIMESTAMP, H_NONCE, H_SIGNATURE_TYPE)
        }
        missing = [n for n in (H_SERIAL, H_SIGNATURE, H_TIMESTAMP, H_NONCE) if not headers[n]]
        if missing:
            raise NotifyRejected("missing_headers", ", ".join(missing))
        if headers[H_SERIAL] != self.config.public_key_id:
            # Another serial would make the SDK fetch certificates: never let it get that far.
            raise NotifyRejected("unknown_serial", headers[H_SERIAL][:64])
        headers[H_SIGNATURE_TYPE] = headers[H_SIGNATURE_TYPE] or SIGNATURE_TYPE
        if headers[H_SIGNATURE_TYPE] != SIGNATURE_TYPE:
            raise NotifyRejected("bad_signature_type", headers[H_SIGNATURE_TYPE][:64])
        if not headers[H_TIMESTAMP].isdigit() or len(headers[H_TIMESTAMP]) > 12:
            raise NotifyRejected("stale", "timestamp is not a unix time")
        skew = int(headers[H_TIMESTAMP]) - time.time()
        if abs(skew) > MAX_CLOCK_SKEW_SECONDS:
            raise NotifyRejected("stale", f"timestamp {int(skew):+d} s from now")

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_NOTIFY_BYTES:
            raise NotifyRejected("too_large", f"{length} bytes")
        raw = request.body
        if len(raw) > MAX_NOTIFY_BYTES:
            raise NotifyRejected("too_large", f"{len(raw)} bytes")
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotifyRejected("malformed", "body is not UTF-8") from exc

        envelope = json.loads(body)  # the SDK would parse it anyway; fail with a clear reason
        if not isinstance(envelope, dict) or not isinstance(envelope.get("resource"), dict):
            raise NotifyRejected("malformed", "no resource object")
        if envelope.get("resource_type") != "encrypt-resource":
            raise NotifyRejected("malformed", "resource is not encrypted")
        algorithm = envelope["resource"].get("algorithm")
        if algorithm != "AEAD_AES_256_GCM":
            raise NotifyRejected("malformed", f"resource algorithm {str(algorithm)[:32]!r}")

        data = self._client.callback(headers, raw)
        if data is None:
            # Tell a forged notify from a wrong apiv3 key: one is an attack, the other a setting.
            if self._signed_by_wechat(headers, body):
                raise NotifyRejected("undecryptable", "signed, but the apiv3 key does not open it")
            raise NotifyRejected("bad_signature")

        # From here on the envelope is signed by WeChat and the resource decrypted.
        got_type = envelope["resource"].get("original_type", original_type)
        if got_type != original_type:
            raise NotifyRejected(
                "wrong_type", f"{str(got_type)[:32]!r}, expected {original_type!r}"
            )
        resource = data.get("resource")
        if not isinstance(resource, dict):
            raise NotifyRejected("malformed", "decrypted resource is not an object")
        return resource

    def _signed_by_wechat(self, headers: dict[str, str], body: str) -> bool:
        message = f"{headers[H_TIMESTAMP]}\n{headers[H_NONCE]}\n{body}\n".encode()
        try:
            signature = base64.b64decode(headers[H_SIGNATURE], validate=True)
            self._public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except (binascii.Error, ValueError, InvalidSignature):
            return False
        return True

    # --- calls ---------------------------------------------------------------------------------

    def query(self, out_trade_no: str) -> TradeState:
        self._check_out_trade_no(out_trade_no)
        answer = self._call("query", out_trade_no=out_trade_no)
        state = self._trade_state(answer, GatewayError)
        if state.out_trade_no != out_trade_no:
            raise GatewayError(f"query for {out_trade_no} answered {state.out_trade_no}")
        return state

    def close(self, out_trade_no: str) -> None:
        self._check_out_trade_no(out_trade_no)
        self._call("close", out_trade_no=out_trade_no)  # 204, empty (signed) body

    def refund(self, request: RefundRequest) -> RefundState:
        self._check_out_trade_no(request.out_trade_no)
        if not OUT_REFUND_NO_RE.match(request.out_request_no):
            raise ValueError(f"out_request_no {request.out_request_no!r} is not valid for WeChat")
        refund_fen = yuan_to_fen(request.amount)
        total_fen = yuan_to_fen(request.total)
        if not 0 < refund_fen <= total_fen:
            raise ValueError("refund amount must be positive and at most the payment's total")
        kwargs: dict[str, Any] = {
            "out_refund_no": request.out_request_no,
            "out_trade_no": request.out_trade_no,
            "amount": {"refund": refund_fen, "total": total_fen, "currency": "CNY"},
        }
        if request.reason:
            kwargs["reason"] = request.reason[:80]  # WeChat's limit
        notify_url = request.notify_url or self.config.refund_notify_url
        if notify_url:
            kwargs["notify_url"] = notify_url
        answer = self._call("refund", **kwargs)
        state = self._refund_state(answer, GatewayError)
        if state.out_request_no != request.out_request_no:
            raise GatewayError(f"refund {request.out_request_no} answered {state.out_request_no}")
        return state

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        """One SDK call; a 2xx answer's signature was verified by the SDK. Everything else, and
        every failure on the way, is a GatewayError: nothing is known about the payment."""
        try:
            status, text = getattr(self._client, method)(**kwargs)
        except requests.Timeout as exc:
            raise GatewayError(f"WeChat Pay {method}: timeout") from exc
        except requests.RequestException as exc:
            raise GatewayError(f"WeChat Pay {method}: {type(exc).__name__}") from exc
        except Exception as exc:  # the SDK raises bare Exception for a badly signed answer
            raise GatewayError(f"WeChat Pay {method}: {exc}"[:300]) from exc
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        if not 200 <= status < 300:
            code = ""
            try:
                error = json.loads(text)
                if isinstance(error, dict):
                    code = str(error.get("code", ""))
            except ValueError:
                pass
            raise WechatApiError(
                f"WeChat Pay {method}: HTTP {status} {code}".rstrip(), status=status, code=code
            )
        if not text:
            return {}
        try:
            answer = json.loads(text)
        except ValueError as exc:
            raise GatewayError(f"WeChat Pay {method}: answer is not JSON") from exc
        if not isinstance(answer, dict):
            raise GatewayError(f"WeChat Pay {method}: answer is not an object")
        return answer

    # --- mapping -------------------------------------------------------------------------------

    def _trade_state(self, data: dict[str, Any], error: type[Exception]) -> TradeState:
        """A transaction (notify resource or query answer) as a TradeState, after checking it is
        ours. `error` is NotifyRejected or GatewayError, whichever the caller promises."""
        if data.get("mchid") != self.config.mchid:
            raise self._error(error, "wrong_merchant", f"mchid {str(data.get('mchid'))[:32]!r}")
        if data.get("appid") != self.config.appid:
            raise self._error(error, "wrong_app", f"appid {str(data.get('appid'))[:32]!r}")
        out_trade_no = data.get("out_trade_no")
        if not isinstance(out_trade_no, str) or not out_trade_no:
            raise self._error(error, "malformed", "no out_trade_no")
        status = TRADE_STATES.get(str(data.get("trade_state")))
        if status is None:
            raise self._error(error, "malformed", f"trade_state {data.get('trade_state')!r}")
        amount_data = data.get("amount")
        try:
            amount = None
            if isinstance(amount_data, dict) and "total" in amount_data:
                if amount_data.get("currency", "CNY") != "CNY":
                    raise ValueError(f"currency {amount_data.get('currency')!r}")
                amount = fen_to_yuan(amount_data["total"])
            paid_at = _parse_time(data.get("success_time"))
        except ValueError as exc:
            raise self._error(error, "malformed", str(exc)[:200]) from exc
        transaction_id = data.get("transaction_id") or ""
        return TradeState(
            out_trade_no=out_trade_no,
            status=status,
            amount=amount,
            transaction_id=str(transaction_id),
            paid_at=paid_at,
            app_id=str(data["appid"]),
            raw=data,
        )

    def _refund_state(self, data: dict[str, Any], error: type[Exception]) -> RefundState:
        # A refund notify carries mchid (no appid); the refund API's answer carries neither.
        if "mchid" in data and data["mchid"] != self.config.mchid:
            raise self._error(error, "wrong_merchant", f"mchid {str(data['mchid'])[:32]!r}")
        if error is NotifyRejected and "mchid" not in data:
            raise self._error(error, "wrong_merchant", "no mchid")
        out_refund_no = data.get("out_refund_no")
        if not isinstance(out_refund_no, str) or not out_refund_no:
            raise self._error(error, "malformed", "no out_refund_no")
        # The API answers `status`, the refund notify `refund_status`.
        raw_status = data.get("refund_status", data.get("status"))
        status = REFUND_STATES.get(str(raw_status))
        if status is None:
            raise self._error(error, "malformed", f"refund status {raw_status!r}")
        amount_data = data.get("amount")
        try:
            amount = None
            if isinstance(amount_data, dict) and "refund" in amount_data:
                amount = fen_to_yuan(amount_data["refund"])
        except (ValueError, InvalidOperation) as exc:
            raise self._error(error, "malformed", str(exc)[:200]) from exc
        return RefundState(
            out_request_no=out_refund_no,
            status=status,
            amount=amount,
            gateway_refund_id=str(data.get("refund_id") or ""),
            raw=data,
        )

    @staticmethod
    def _error(error: type[Exception], reason: str, detail: str) -> Exception:
        if error is NotifyRejected:
            return NotifyRejected(reason, detail)
        return GatewayError(f"WeChat Pay answer {reason}: {detail}")

    @staticmethod
    def _answer_str(answer: dict[str, Any], key: str) -> str:
        value = answer.get(key)
        if not isinstance(value, str) or not value:
            raise GatewayError(f"WeChat Pay answer has no {key}")
        return value

    @staticmethod
    def _check_out_trade_no(out_trade_no: str) -> None:
        if not OUT_TRADE_NO_RE.match(out_trade_no):
            raise ValueError(f"out_trade_no {out_trade_no!r} is not valid for WeChat")
