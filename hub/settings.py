"""Settings for the hub, read from the environment (see README: Production)."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from hub.env import (
    embedded_secret_key,
    env_bool,
    env_choice,
    env_cistring,
    env_database,
    env_float,
    env_int,
    env_list,
    env_networks,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("HUB_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # embedded database, broker and static files

DEBUG = env_bool("DEBUG", default=False)
# Without SECRET_KEY the embedded default keeps a random key in VAR_DIR; otherwise the public
# default below is used, and only with DEBUG: the hub refuses to start on it (hub.apps).
DEFAULT_SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"
SECRET_KEY = env_str("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

# The hub's own OCPI identity (role HUB) and the public URL parties use to reach it.
HUB_COUNTRY_CODE = env_cistring("HUB_COUNTRY_CODE", "NL", length=2)
HUB_PARTY_ID = env_cistring("HUB_PARTY_ID", "HUB", length=3)
HUB_NAME = env_str("HUB_NAME", "Open OCPI Hub")
HUB_BASE_URL = env_url("HUB_BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "hub",
    "parties",
    "locations",
    "tariffs",
    "tokens",
    "sessions.apps.ChargingSessionsConfig",
    "cdrs",
    "commands",
    "agreements",
]

MIDDLEWARE = [
    "hub.health.health_middleware",  # first: probes need no Host check, session or token
    "hub.middleware.ocpi_request_middleware",
    "django.middleware.security.SecurityMiddleware",
    # The admin's and the API docs' middleware, which OCPI calls (under /ocpi/) skip:
    "hub.middleware.WhiteNoiseForBrowsers",  # admin and API-docs assets, no web server
    "hub.middleware.SessionForBrowsers",
    "django.middleware.common.CommonMiddleware",
    "hub.middleware.CsrfForBrowsers",
    "hub.middleware.AuthenticationForBrowsers",
    "hub.middleware.MessagesForBrowsers",
    "hub.middleware.ClickjackingForBrowsers",
]
APPEND_SLASH = False  # OCPI paths are normalised by hub.middleware instead

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"
ASGI_APPLICATION = "hub.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# Embedded default: an SQLite file, so `make run` needs no server.
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hub.sqlite3'}")}
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process and the worker write without blocking each other's reads.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so a worker process started by the tests shares the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "hub.postgresql"  # its health check (hub/postgresql)
    # Parameters bound by the server, and a statement prepared once it has run 5 times on a
    # connection: planning a push's three statements again on every request cost PostgreSQL
    # more CPU than running them. DATABASE_PREPARED_STATEMENTS=false for a pooler that cannot
    # keep prepared statements (PgBouncer in transaction mode before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
    if DATABASE_PREPARED_STATEMENTS:
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve assets even before collectstatic has run

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["hub.authentication.CredentialsTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["hub.authentication.IsRegisteredPlatform"],
    "DEFAULT_PARSER_CLASSES": ["hub.parsers.OCPIJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["hub.responses.OCPIRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "hub.responses.JSONOnlyNegotiation",
    "EXCEPTION_HANDLER": "hub.exceptions.ocpi_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["hub.throttling.PlatformRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "hub.schema.OCPIAutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OCPI 2.2.1 hub",
    "DESCRIPTION": "The hub's OCPI 2.2.1 interfaces. Every response is wrapped in the OCPI "
    "envelope {data, status_code, status_message, timestamp}.",
    "VERSION": "2.2.1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Enums under their OCPI names (otherwise named after fields: "type", "status"...).
    "ENUM_NAME_OVERRIDES": {
        "TokenType": "hub.ocpi_types.TOKEN_TYPE",
        "ProfileType": "hub.ocpi_types.PROFILE_TYPE",
        "AuthMethod": "hub.ocpi_types.AUTH_METHOD",
        "ImageCategory": "hub.ocpi_types.IMAGE_CATEGORY",
        "ConnectorType": "hub.ocpi_types.CONNECTOR_TYPE",
        "ConnectorFormat": "hub.ocpi_types.CONNECTOR_FORMAT",
        "PowerType": "hub.ocpi_types.POWER_TYPE",
        "EnergySourceCategory": "hub.ocpi_types.ENERGY_SOURCE_CATEGORY",
        "EnvironmentalImpactCategory": "hub.ocpi_types.ENVIRONMENTAL_IMPACT_CATEGORY",
        "CdrDimensionType": "hub.ocpi_types.SESSION_DIMENSION_TYPE",
        "CdrDimensionTypeInCdr": "hub.ocpi_types.CDR_DIMENSION_TYPE",
        "Status": "locations.serializers.STATUS",
        "Capability": "locations.serializers.CAPABILITY",
        "ParkingType": "locations.serializers.PARKING_TYPE",
        "ParkingRestriction": "locations.serializers.PARKING_RESTRICTION",
        "Facility": "locations.serializers.FACILITY",
        "SessionStatus": "sessions.models.STATUSES",
        "ChargingPreferencesResponse": "sessions.serializers.CHARGING_PREFERENCES_RESPONSE",
        "TariffType": "tariffs.serializers.TARIFF_TYPE",
        "TariffDimensionType": "tariffs.serializers.TARIFF_DIMENSION_TYPE",
        "DayOfWeek": "tariffs.serializers.DAY_OF_WEEK",
        "ReservationRestrictionType": "tariffs.serializers.RESERVATION_RESTRICTION_TYPE",
        "WhitelistType": "tokens.serializers.WHITELIST_TYPE",
        "AllowedType": "tokens.serializers.ALLOWED_TYPE",
        "CommandResultType": "commands.serializers.COMMAND_RESULT_TYPE",
        "CommandResponseType": "commands.serializers.COMMAND_RESPONSE_TYPE",
        "ChargingRateUnit": "commands.serializers.CHARGING_RATE_UNIT",
        "ChargingProfileResponseType": "commands.serializers.CHARGING_PROFILE_RESPONSE_TYPE",
        "ChargingProfileResultType": "commands.serializers.CHARGING_PROFILE_RESULT_TYPE",
        "Role": "parties.serializers.ROLE",
        "InterfaceRole": "parties.serializers.INTERFACE_ROLE",
        "ConnectionStatus": "parties.serializers.CONNECTION_STATUS",
    },
}

# Limits on what parties send (docs/security.md): a larger body is refused with HTTP 413, a
# deeper nesting with 2001. No OCPI object nests more than about ten levels.
OCPI_MAX_BODY_BYTES = env_int("OCPI_MAX_BODY_BYTES", 2 * 1024 * 1024, minimum=1024)
OCPI_MAX_JSON_DEPTH = env_int("OCPI_MAX_JSON_DEPTH", 32, minimum=8)
DATA_UPLOAD_MAX_MEMORY_SIZE = OCPI_MAX_BODY_BYTES
# Pagination: the most objects one page of a list GET returns (X-Limit).
OCPI_PAGE_MAX_LIMIT = env_int("OCPI_PAGE_MAX_LIMIT", 100, minimum=1)
# Rate limits (hub.throttling), in requests per second per platform, sustained, with bursts
# of up to HUB_RATE_LIMIT_BURST seconds' worth. Real-time authorization and commands count in
# a bucket of their own. An admin can set a platform's own limits. Token A: per token.
HUB_RATE_LIMIT = env_float("HUB_RATE_LIMIT", 500.0)
HUB_RATE_LIMIT_REALTIME = env_float("HUB_RATE_LIMIT_REALTIME", 1000.0)
HUB_RATE_LIMIT_TOKEN_A = env_float("HUB_RATE_LIMIT_TOKEN_A", 5.0)
HUB_RATE_LIMIT_BURST = env_float("HUB_RATE_LIMIT_BURST", 2.0)
# Outbound calls to parties.
OCPI_CONNECT_TIMEOUT = env_float("OCPI_CONNECT_TIMEOUT", 3.0)
# The deadline of a whole call (connect, send, every read), unless the caller gives a shorter one.
OCPI_REQUEST_TIMEOUT = env_float("OCPI_REQUEST_TIMEOUT", 10.0)
# The largest answer the hub reads from a party (a page of 100 Locations is well under 1 MB).
OCPI_MAX_ANSWER_BYTES = env_int("OCPI_MAX_ANSWER_BYTES", 4 * 1024 * 1024, minimum=1024)
# Real-time authorization (tokens): a driver waits at the charger, and the CPO needs the 4002
# in time to fall back to its whitelist (ALLOWED_OFFLINE).
OCPI_AUTHORIZE_TIMEOUT = env_float("OCPI_AUTHORIZE_TIMEOUT", 3.0)
# The platform check (admin action, `check_platform NAME`): at most this many GETs and seconds.
PLATFORM_CHECK_MAX_REQUESTS = env_int("PLATFORM_CHECK_MAX_REQUESTS", 30, minimum=1)
PLATFORM_CHECK_SECONDS = env_float("PLATFORM_CHECK_SECONDS", 60.0)

# Celery. Embedded default: kombu's filesystem transport needs no server, yet a real worker
# process consumes it. Production: redis://.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# The embedded default (`make run` without DATABASE_URL and CELERY_BROKER_URL) runs on one
# machine with its test peers.
EMBEDDED = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and (
    CELERY_BROKER_URL.startswith("filesystem://")
)
# Networks the hub may call besides public addresses (CIDR, comma-separated). Parties choose
# the URLs the hub calls, so private, loopback and link-local (cloud metadata) addresses are
# refused unless named here; loopback is allowed by default only with DEBUG or embedded.
LOOPBACK_NETWORKS = ["127.0.0.0/8", "::1/128"]
HUB_OUTBOUND_ALLOW = env_networks(
    "HUB_OUTBOUND_ALLOW", LOOPBACK_NETWORKS if DEBUG or EMBEDDED else []
)
if not SECRET_KEY:
    SECRET_KEY = embedded_secret_key(VAR_DIR) if EMBEDDED else DEFAULT_SECRET_KEY
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_POOL = env_str("CELERY_WORKER_POOL", "prefork")  # or "threads", "solo"
# Two queues, so that background work never takes the capacity deliveries need: `deliveries`
# (a task drains one receiver; the sweeper) for a worker with the threads pool, `background`
# (still-alive checks, purges) for another worker (docs/delivery.md, Workers).
CELERY_TASK_QUEUES = (Queue("deliveries"), Queue("background"))
CELERY_TASK_DEFAULT_QUEUE = "background"
# The sweeper re-queues retries: it runs beside the deliveries, not behind a burst of pings.
CELERY_TASK_ROUTES = {"hub.tasks.*": {"queue": "deliveries"}}

# Delivery of pushes (docs/delivery.md). Retries: delay = min(cap, base * 2^(attempt-1)); a
# delivery gives up after max_attempts or max_age seconds, whichever comes first. Billing
# modules keep trying for hours and are then PARKED (re-deliverable) instead of FAILED.
DELIVERY_RETRY = {
    "base": env_float("DELIVERY_RETRY_BASE", 5.0),
    "cap": env_float("DELIVERY_RETRY_CAP", 300.0),
    "max_attempts": env_int("DELIVERY_MAX_ATTEMPTS", 12, minimum=1),
    "max_age": env_float("DELIVERY_MAX_AGE", 3600.0),
    "park": False,
}
DELIVERY_RETRY_PER_MODULE = {
    module: {
        "max_attempts": env_int(f"DELIVERY_{module.upper()}_MAX_ATTEMPTS", 100, minimum=1),
        "max_age": env_float(f"DELIVERY_{module.upper()}_MAX_AGE", 48 * 3600.0),
        "park": True,
    }
    for module in ("sessions", "cdrs")
}
DELIVERY_BATCH_SIZE = env_int("DELIVERY_BATCH_SIZE", 50, minimum=1)
# A claim not renewed within this many seconds is taken to be a dead worker's: re-sent. A live
# worker renews it every second and starts a request only while the request is sure to end
# before the claim could expire, so it must be longer than one request can take.
DELIVERY_CLAIM_TIMEOUT = env_float("DELIVERY_CLAIM_TIMEOUT", 120.0)
if DELIVERY_CLAIM_TIMEOUT < OCPI_CONNECT_TIMEOUT + OCPI_REQUEST_TIMEOUT + 2:
    raise ImproperlyConfigured(
        f"DELIVERY_CLAIM_TIMEOUT={DELIVERY_CLAIM_TIMEOUT:g}: must be at least "
        "OCPI_CONNECT_TIMEOUT + OCPI_REQUEST_TIMEOUT + 2 seconds"
    )
DELIVERY_SWEEP_INTERVAL = env_float("DELIVERY_SWEEP_INTERVAL", 30.0)
# Pushes to a receiver queue one task while one is pending (a Redis key with this lifetime).
DELIVERY_WAKE_TTL = env_float("DELIVERY_WAKE_TTL", 10.0)

# Every periodic task is an interval that needs no memory across restarts, so beat keeps its
# schedule in memory: the default shelve file fails with "locking protocol" on Python 3.13
# when beat runs embedded in a worker (-B).
CELERY_BEAT_SCHEDULER = "celery.beat:Scheduler"
CELERY_BEAT_SCHEDULE: dict = {
    "sweep-deliveries": {
        "task": "hub.tasks.sweep_deliveries",
        "schedule": DELIVERY_SWEEP_INTERVAL,
        "options": {"expires": DELIVERY_SWEEP_INTERVAL},
    },
}

# Retention (hub.retention): attempts and finished messages (with their deliveries) older than
# these many days are deleted by a periodic task, at most BATCH_SIZE x MAX_BATCHES rows of
# each per run. CDRs are never deleted; a message still pending or PARKED is kept.
HUB_RETENTION_ATTEMPT_DAYS = env_int("HUB_RETENTION_ATTEMPT_DAYS", 30, minimum=1)
HUB_RETENTION_MESSAGE_DAYS = env_int("HUB_RETENTION_MESSAGE_DAYS", 90, minimum=1)
HUB_RETENTION_BATCH_SIZE = env_int("HUB_RETENTION_BATCH_SIZE", 1000, minimum=1)
HUB_RETENTION_MAX_BATCHES = env_int("HUB_RETENTION_MAX_BATCHES", 50, minimum=1)
CELERY_BEAT_SCHEDULE["apply-retention"] = {
    "task": "hub.tasks.apply_retention",
    "schedule": 3600.0,
    "options": {"expires": 3600.0},
}

# Commands and charging profiles (docs/commands.md).
# Forward timeout: short, so the eMSP gets a 4002 before its own client gives up.
OCPI_COMMAND_TIMEOUT = env_float("OCPI_COMMAND_TIMEOUT", 10.0)
# Seconds a response URL takes results for, at least (longer for a larger CommandResponse
# timeout, and for RESERVE_NOW until the reservation's expiry_date plus this margin).
OCPI_COMMAND_RESULT_WINDOW = env_int("OCPI_COMMAND_RESULT_WINDOW", 3600, minimum=1)
# Days an expired command stays in the admin log (and routes profile updates) before purging.
OCPI_COMMAND_LOG_DAYS = env_int("OCPI_COMMAND_LOG_DAYS", 30)
CELERY_BEAT_SCHEDULE["purge-expired-commands"] = {
    "task": "commands.tasks.purge_expired_commands",
    "schedule": 3600.0,
}

# Metrics (docs/operations.md). Every web and worker process of a host counts into files in
# this directory (the client library's multiprocess mode, which reads the variable itself);
# empty it before the processes start. /metrics answers a scraper presenting
# HUB_METRICS_TOKEN as a bearer token, or calling from HUB_METRICS_ALLOWED_IPS (addresses or
# networks).
METRICS_DIR = Path(env_str("PROMETHEUS_MULTIPROC_DIR", str(VAR_DIR / "metrics")))
METRICS_DIR.mkdir(parents=True, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_DIR)
HUB_METRICS_TOKEN = env_str("HUB_METRICS_TOKEN", "")
HUB_METRICS_ALLOWED_NETWORKS = env_networks("HUB_METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])

# LOG_FORMAT=json: one JSON object per line (request id, correlation id, platform, party,
# module, outcome); "plain" for people. Workers log the same way (Celery leaves the root
# logger alone). Token values are masked in both.
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", ("plain", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "hub.logs.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {"()": "hub.logs.JSONFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery's Django fixup closes the database connections before and after every task unless
# this is set: each delivery task then connected to PostgreSQL anew (a server process started
# per task), which cost more than the delivery. Connections are kept as the web keeps them
# (CONN_MAX_AGE, health-checked) and closed when unusable or too old after each task
# (hub.celery).
CELERY_DB_REUSE_MAX = 2**62

# Credentials registration: modules a platform must advertise, else 3003 (the hub as receiver)
# or no POST (the hub as sender). Entries are `module` (every platform) or `ROLE:module`
# (platforms registering that role), e.g. "credentials,CPO:locations,EMSP:tokens".
HUB_REQUIRED_MODULES = env_list("HUB_REQUIRED_MODULES", ["credentials"])

# Still-alive check (mod_hub_client_info): every interval, GET the versions of each platform
# silent for longer than the threshold; OFFLINE when it fails, CONNECTED again when it answers.
HUB_STILL_ALIVE_INTERVAL = env_int("HUB_STILL_ALIVE_INTERVAL", 300, minimum=1)
HUB_STILL_ALIVE_SILENCE = env_int("HUB_STILL_ALIVE_SILENCE", 300, minimum=0)
CELERY_BEAT_SCHEDULE["still-alive"] = {
    "task": "parties.tasks.check_still_alive",
    "schedule": float(HUB_STILL_ALIVE_INTERVAL),
}

# Roaming agreements (docs/agreements.md): "open" lets every pair exchange every module unless
# their agreement says otherwise; "agreements" lets nothing flow without an ACTIVE agreement.
HUB_ROAMING_POLICY = env_choice("HUB_ROAMING_POLICY", "open", ("open", "agreements"))
# Agreements whose validity begins or ends: within this many seconds their receivers get the
# current Locations, Tariffs and Tokens, and both sides their new ClientInfo.
HUB_AGREEMENT_CHECK_INTERVAL = env_int("HUB_AGREEMENT_CHECK_INTERVAL", 60, minimum=1)
CELERY_BEAT_SCHEDULE["agreement-validity"] = {
    "task": "agreements.tasks.check_agreement_validity",
    "schedule": float(HUB_AGREEMENT_CHECK_INTERVAL),
}
