"""Rate limits: a token bucket per platform (and per Token A), counted in Redis.

Every platform has two buckets: one for real-time traffic (authorization, commands and their
results, where a driver waits at a charger) and one for everything else, so a burst of
Location pushes never delays an authorization. Limits are requests per second, sustained,
with bursts of up to HUB_RATE_LIMIT_BURST seconds' worth; an admin can set a platform's own.
Token A (registration) is limited per token. Over the limit the answer is HTTP 429 with
Retry-After (hub.exceptions). Without Redis (the embedded default, a single web process) the
buckets live in that process. When Redis cannot be reached, requests are let through.
"""

import logging
import threading
import time

import redis
from django.conf import settings
from rest_framework.throttling import BaseThrottle

from hub.redis_scripts import Script
from parties.models import PlatformToken

logger = logging.getLogger(__name__)
REALTIME = "realtime"

# KEYS[1]: the bucket; ARGV: rate (tokens per second), capacity. Returns the seconds to wait
# before a request would be allowed ("0": allowed now, a token taken). Redis's clock, so every
# web process agrees.
TOKEN_BUCKET = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return tostring(wait)
"""


class RedisBuckets:
    def __init__(self, url: str):
        self.url = url
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.script = Script(client, TOKEN_BUCKET)

    def take(self, key: str, rate: float, capacity: float) -> float:
        return float(self.script(keys=[key], args=[rate, capacity]))


class LocalBuckets:
    """The same bucket in this process's memory."""

    def __init__(self):
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def take(self, key: str, rate: float, capacity: float) -> float:
        with self.lock:
            now = time.monotonic()
            tokens, at = self.buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - at) * rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / rate
            self.buckets[key] = (tokens, now)
            return wait


_buckets: RedisBuckets | LocalBuckets | None = None


def buckets() -> RedisBuckets | LocalBuckets:
    global _buckets
    url = settings.CELERY_BROKER_URL
    redis_url = url if url.startswith(("redis://", "rediss://")) else None
    if _buckets is None or getattr(_buckets, "url", None) != redis_url:
        _buckets = RedisBuckets(redis_url) if redis_url else LocalBuckets()
    return _buckets


def limit_for(token: PlatformToken, scope: str) -> tuple[str, float]:
    """The bucket a request counts against, and its rate (requests per second)."""
    platform = token.platform
    if token.kind == PlatformToken.Kind.REGISTRATION:
        return f"ratelimit:token-a:{token.token_hash[:32]}", settings.HUB_RATE_LIMIT_TOKEN_A
    if scope == REALTIME:
        rate = platform.realtime_rate_limit or settings.HUB_RATE_LIMIT_REALTIME
        return f"ratelimit:{REALTIME}:{platform.pk}", rate
    return f"ratelimit:platform:{platform.pk}", platform.rate_limit or settings.HUB_RATE_LIMIT


class PlatformRateThrottle(BaseThrottle):
    """DRF throttle of every OCPI view; a view sets `rate_limit_scope = REALTIME` to use the
    platform's real-time bucket."""

    def allow_request(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, PlatformToken):
            return True  # refused as unauthenticated anyway
        key, rate = limit_for(token, getattr(view, "rate_limit_scope", None))
        capacity = max(1.0, rate * settings.HUB_RATE_LIMIT_BURST)
        try:
            self.retry_after = buckets().take(key, rate, capacity)
        except redis.RedisError as error:
            logger.warning("rate limit not checked: Redis unavailable (%s)", type(error).__name__)
            return True
        return self.retry_after == 0

    def wait(self) -> float:
        return self.retry_after
