"""Settings for the shop.

With no environment at all the shop runs embedded on one machine: SQLite, local-memory cache, Celery
tasks run eagerly, console e-mail, media on local disk, the sandbox payment gateway. Each environment
variable in README.md switches one part to a real service. Production is `DEBUG=0` plus a real
`SECRET_KEY`; it passes `manage.py check --deploy` without warnings.
"""

import os
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --- Core ------------------------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-embedded-default-only-never-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"] if DEBUG else ["localhost", "127.0.0.1"])
# Container health checks call /health/ on the loopback address, whatever the public host names.
ALLOWED_HOSTS += [host for host in ("localhost", "127.0.0.1") if host not in ALLOWED_HOSTS]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Before the admin: content fields in Chinese and English, edited side by side there.
    "modeltranslation",
    "shop.apps.ShopAdminConfig",  # django.contrib.admin, its site behind the login limiter
    # Before django.contrib.auth: its `changepassword` command is replaced by the shop's, which
    # revokes the user's refresh tokens (shop/management/commands/changepassword.py).
    "shop",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    # Third party
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_prometheus",
    "import_export",
    # The shop
    "core",  # what the apps share: no models, the `money` template filter
    "accounts",
    "catalog",
    "inventory",
    "orders",
    "promotions",
    "payments",
    "aftersales",
    "recommendations",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "shop.middleware.RequestLogMiddleware",
    # Before anything that reads the database (sessions): reads after a write go to the primary.
    "shop.middleware.PrimaryPinMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"
ASGI_APPLICATION = "shop.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "shop.context_processors.shop",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------------

if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.str("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE takes SQLite's write lock when a transaction starts, so two concurrent
                # checkouts serialise instead of both reading the same stock and one failing late.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # Tests use a file, not SQLite's shared in-memory database: threads (the browser tests'
            # live server, the concurrency tests) then get connections of their own that wait for
            # the write lock like production's do, instead of sharing one connection.
            "TEST": {
                "NAME": str(Path(tempfile.gettempdir()) / f"shop-test-{os.getpid()}.sqlite3"),
            },
        }
    }

for _i, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[])):
    DATABASES[f"replica_{_i}"] = {**environ.Env.db_url_config(_url), "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["shop.db_router.PrimaryReplicaRouter"]
# After a client wrote, its reads stay on the primary this long (replicas lag; shop.db_router).
DATABASE_PRIMARY_PIN_SECONDS = env.int("DATABASE_PRIMARY_PIN_SECONDS", default=15)

# Catalogue search finds typos with pg_trgm's index-backed `%>` operator, whose threshold is this
# setting: at the default 0.6 a transposed pair ("lpatop" -> "Laptop" scores 0.29) is missed.
# Lower finds more typos and more noise; relevance ordering puts real matches first.
SEARCH_TRIGRAM_THRESHOLD = env.float("SEARCH_TRIGRAM_THRESHOLD", default=0.25)
for _db in DATABASES.values():
    if _db["ENGINE"].endswith("postgresql"):
        _options = _db.setdefault("OPTIONS", {})
        _options["options"] = (
            f"{_options.get('options', '')} "
            f"-c pg_trgm.word_similarity_threshold={SEARCH_TRIGRAM_THRESHOLD}"
        ).strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, locks ------------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="shop"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    # A Redis outage degrades the shop (answers come from the database, login limits and sessions
    # reset) instead of taking it down; each ignored error is logged.
    DJANGO_REDIS_IGNORE_EXCEPTIONS = env.bool("DJANGO_REDIS_IGNORE_EXCEPTIONS", default=True)
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "shop",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Auth ------------------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed logins allowed per username + IP in LOGIN_FAILURE_WINDOW seconds before 429.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=60)

WECHAT_MINI_APPID = env.str("WECHAT_MINI_APPID", default="")
WECHAT_MINI_SECRET = env.str("WECHAT_MINI_SECRET", default="")
WECHAT_CODE2SESSION_URL = env.str(
    "WECHAT_CODE2SESSION_URL", default="https://api.weixin.qq.com/sns/jscode2session"
)
WECHAT_TIMEOUT_SECONDS = env.float("WECHAT_TIMEOUT_SECONDS", default=5.0)

# --- Internationalisation --------------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Content (names and descriptions of categories, brands, products, variants; home banners and
# sections) has a column per language (django-modeltranslation, catalog/translation.py). Chinese is
# the default and the fallback: an English page shows the Chinese text where English is empty (and a
# Chinese page the English one when only that was written). A row created with a plain `name`
# gets it in the Chinese column too, so the fallback always has something to show.
MODELTRANSLATION_DEFAULT_LANGUAGE = "zh-hans"
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("zh-hans",), "zh-hans": ("en",)}
MODELTRANSLATION_AUTO_POPULATE = "default"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
SHOP_CURRENCY = env.str("SHOP_CURRENCY", default="CNY")
SHOP_CURRENCY_SYMBOL = env.str("SHOP_CURRENCY_SYMBOL", default="¥")
SHOP_NAME = env.str("SHOP_NAME", default="Shop")

# --- Static and media ------------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))

STORAGE_BACKEND = env.str("STORAGE_BACKEND", default="local")
_default_storage: dict[str, Any] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if STORAGE_BACKEND == "s3":
    # S3 or any S3-compatible store (Aliyun OSS, MinIO) through django-storages.
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "access_key": env.str("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=None),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default=None),
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=False),
            "file_overwrite": False,
        },
    }
elif STORAGE_BACKEND != "local":
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'local' or 's3'.")

STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        # The manifest storage needs collectstatic, which production images run; development and
        # tests serve straight from the app folders.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# Largest accepted upload of an image, in bytes.
IMAGE_UPLOAD_MAX_BYTES = env.int("IMAGE_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# Largest accepted image in pixels, checked from the header before decoding (decompression bombs).
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- E-mail ----------------------------------------------------------------------------------------

if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="shop@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where operational mail (low-stock digests) goes; staff users' addresses are added to these.
SHOP_STAFF_EMAILS = env.list("SHOP_STAFF_EMAILS", default=[])

# --- Security (production) -------------------------------------------------------------------------

if env.bool("USE_X_FORWARDED", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The health probe of a load balancer speaks plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]

# --- API -------------------------------------------------------------------------------------------

_throttle_rates = {
    "anon": "200/min",
    "user": "600/min",
    "login": "20/min",
    "register": "20/hour",
    "wechat_login": "30/min",
    "reco_events": "120/min",  # POST recommendations/events/, per user or client address
}
for _pair in env.list("THROTTLE_RATES", default=[]):
    _scope, _, _rate = _pair.partition("=")
    _throttle_rates[_scope.strip()] = _rate.strip()

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": _throttle_rates,
    # How many proxies append to X-Forwarded-For in front of us. 0 = trust only REMOTE_ADDR; DRF's
    # own default (None) would take the client-controlled header as is, and a login limiter keyed
    # on it could be dodged by sending a new address with every attempt.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Shop API",
    "DESCRIPTION": "The JSON API of the shop, for mobile clients and the WeChat mini-program.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "CouponKindEnum": "promotions.models.CouponTemplate.Kind",
        "OrderEventKindEnum": "orders.models.OrderEvent.Kind",
        # orders' payment_method and payments' gateway: one set of names.
        "PaymentGatewayEnum": "orders.services.KNOWN_GATEWAYS",
        "AfterSalesStatusEnum": "aftersales.models.AfterSalesRequest.Status",
        "AfterSalesKindEnum": "aftersales.models.AfterSalesRequest.Kind",
        "AfterSalesReasonEnum": "aftersales.models.AfterSalesRequest.Reason",
    },
}

# --- Celery ----------------------------------------------------------------------------------------

# No broker: tasks run inline in the caller's process, so the embedded shop needs nothing else.
# Eager Celery still serialises each call through a producer; kombu's in-memory transport gives
# it one without pretending to reach a broker on localhost.
CELERY_TASK_ALWAYS_EAGER = not env.str("CELERY_BROKER_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# The periodic tasks of the shop: name -> (task, every N seconds). `manage.py setup_periodic_tasks`
# writes them into django-celery-beat's tables (idempotently); `manage.py beat_inline` runs them in
# one process when there is no broker. Each domain adds its own entries.
PERIODIC_TASKS = {
    "inventory: low-stock check": {
        "task": "inventory.tasks.low_stock_check",
        "every": env.int("LOW_STOCK_CHECK_SECONDS", default=15 * 60),
    },
    "orders: expire unpaid orders": {
        "task": "orders.tasks.orders_expire",
        "every": 60,
    },
    "orders: auto-confirm receipt": {
        "task": "orders.tasks.orders_auto_confirm",
        "every": 60 * 60,
    },
    "orders: purge abandoned guest carts": {
        "task": "orders.tasks.carts_purge",
        "every": 24 * 60 * 60,
    },
    "payments: reconcile with the gateways": {
        "task": "payments.tasks.payments_reconcile",
        "every": 5 * 60,
    },
    "aftersales: auto-approve and close requests": {
        "task": "aftersales.tasks.aftersales_sweep",
        "every": 60 * 60,
    },
    "promotions: expire coupons": {
        "task": "promotions.tasks.coupons_expire",
        "every": 60 * 60,
    },
    "recommendations: write buffered behaviour events": {
        "task": "recommendations.tasks.events_flush",
        "every": 30,
    },
    "recommendations: rebuild the lists": {
        "task": "recommendations.tasks.recommendations_rebuild",
        "every": env.int("RECOMMENDATIONS_REBUILD_SECONDS", default=24 * 60 * 60),
    },
    "recommendations: prune old behaviour events": {
        "task": "recommendations.tasks.events_prune",
        "every": 24 * 60 * 60,
    },
}

# --- Domain settings -------------------------------------------------------------------------------

CATALOG_DETAIL_CACHE_SECONDS = env.int("CATALOG_DETAIL_CACHE_SECONDS", default=60 * 60)
CATALOG_LIST_CACHE_SECONDS = env.int("CATALOG_LIST_CACHE_SECONDS", default=10 * 60)
# Recommendations (recommendations/README.md): how much each kind of behaviour counts, how long
# events are kept, how long served lists stay cached (a user's list is refreshed at once after
# their new behaviour), and how many products each stored list holds.
RECOMMENDATIONS_EVENT_WEIGHTS = {
    "view": 1.0,
    "cart": 3.0,
    "purchase": 5.0,
    "like": 4.0,
    "share": 2.0,
}
RECOMMENDATIONS_EVENT_RETENTION_DAYS = env.int("RECOMMENDATIONS_EVENT_RETENTION_DAYS", default=180)
RECOMMENDATIONS_USER_CACHE_SECONDS = env.int("RECOMMENDATIONS_USER_CACHE_SECONDS", default=60 * 60)
RECOMMENDATIONS_ITEM_CACHE_SECONDS = env.int(
    "RECOMMENDATIONS_ITEM_CACHE_SECONDS", default=2 * 60 * 60
)
RECOMMENDATIONS_TRENDING_CACHE_SECONDS = env.int(
    "RECOMMENDATIONS_TRENDING_CACHE_SECONDS", default=30 * 60
)
RECOMMENDATIONS_LIST_SIZE = 20  # the most ?limit= may ask
RECOMMENDATIONS_TRENDING_WINDOWS = [1, 7, 30]  # days; ?days= is answered from the next one up
RECOMMENDATIONS_HISTORY_SIZE = 50
RECOMMENDATIONS_BUFFER_MAX = 200_000  # buffered events beyond it are dropped (a flood, a dead beat)
INVENTORY_LOW_STOCK_THRESHOLD = env.int("INVENTORY_LOW_STOCK_THRESHOLD", default=5)
CART_MAX_LINE_QUANTITY = env.int("CART_MAX_LINE_QUANTITY", default=99)
# The dearest unit price a variant may have (core.money): 99 units of it, taxed and shipped, must fit
# an order total (9,999,999,999.99); `manage.py check` says so when these settings disagree.
MAX_UNIT_PRICE = Decimal(env.str("MAX_UNIT_PRICE", default="1000000.00"))
CART_GUEST_RETENTION_DAYS = env.int("CART_GUEST_RETENTION_DAYS", default=30)
ORDER_PAYMENT_TIMEOUT_MINUTES = env.int("ORDER_PAYMENT_TIMEOUT_MINUTES", default=30)
ORDER_AUTO_CONFIRM_DAYS = env.int("ORDER_AUTO_CONFIRM_DAYS", default=10)
# After-sales: a request may be opened up to N days after delivery; refund-only requests staff leave
# untouched for N days are approved (and paid back), approved returns not sent back within N days close.
AFTER_SALES_DAYS = env.int("AFTER_SALES_DAYS", default=7)
AFTER_SALES_AUTO_DAYS = env.int("AFTER_SALES_AUTO_DAYS", default=3)
TAX_RATE = Decimal(env.str("TAX_RATE", default="0"))
SHIPPING_FLAT_FEE = Decimal(env.str("SHIPPING_FLAT_FEE", default="10.00"))
SHIPPING_FREE_THRESHOLD = Decimal(env.str("SHIPPING_FREE_THRESHOLD", default="99.00"))
PAYMENT_GATEWAYS_ENABLED = env.list("PAYMENT_GATEWAYS", default=["sandbox"])
# Payments (README "Payments"): keys are PEM text or the path of a PEM file (payments.keys).
# A payment that arrives after its order expired or was cancelled is refunded through its gateway
# at once; off = it is only flagged for staff.
PAYMENTS_AUTO_REFUND_LATE = env.bool("PAYMENTS_AUTO_REFUND_LATE", default=True)
# Open payments older than this are queried at their gateway by the reconciliation task.
PAYMENTS_RECONCILE_AFTER_MINUTES = env.int("PAYMENTS_RECONCILE_AFTER_MINUTES", default=10)
# Seconds any call to a gateway may take (connect and read).
PAYMENTS_GATEWAY_TIMEOUT = 10
ALIPAY_APP_ID = env.str("ALIPAY_APP_ID", default="")
ALIPAY_APP_PRIVATE_KEY = env.str("ALIPAY_APP_PRIVATE_KEY", default="")
ALIPAY_PUBLIC_KEY = env.str("ALIPAY_PUBLIC_KEY", default="")
ALIPAY_GATEWAY_URL = env.str("ALIPAY_GATEWAY_URL", default="https://openapi.alipay.com/gateway.do")
ALIPAY_SELLER_ID = env.str("ALIPAY_SELLER_ID", default="")
WECHATPAY_MCHID = env.str("WECHATPAY_MCHID", default="")
WECHATPAY_APPID = env.str("WECHATPAY_APPID", default="")
WECHATPAY_PRIVATE_KEY = env.str("WECHATPAY_PRIVATE_KEY", default="")
WECHATPAY_CERT_SERIAL_NO = env.str("WECHATPAY_CERT_SERIAL_NO", default="")
WECHATPAY_APIV3_KEY = env.str("WECHATPAY_APIV3_KEY", default="")
WECHATPAY_PUBLIC_KEY = env.str("WECHATPAY_PUBLIC_KEY", default="")
WECHATPAY_PUBLIC_KEY_ID = env.str("WECHATPAY_PUBLIC_KEY_ID", default="")
WECHATPAY_API_BASE = env.str("WECHATPAY_API_BASE", default="https://api.mch.weixin.qq.com")

# --- Logging ---------------------------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "shop.logging.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Our request line replaces Django's own, which would log every request twice.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # One line per task run drowns the console when tasks run eagerly inside requests.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}

SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(dsn=SENTRY_DSN, send_default_pii=False, traces_sample_rate=0.0)
