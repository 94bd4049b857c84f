"""Fixed-window rate limits kept in Redis, shared by every web process."""

import logging

import redis
from django.conf import settings

__all__ = ["RateLimit", "client_ip"]

log = logging.getLogger(__name__)
_clients: dict[str, redis.Redis] = {}


def client_ip(request) -> str:
    # Behind nginx, uvicorn already puts the client's address here (FORWARDED_ALLOW_IPS in compose.yaml).
    return request.META.get("REMOTE_ADDR", "unknown")


class RateLimit:
    """At most `limit` events per `window` seconds for one key (e.g. one IP)."""

    def __init__(self, name: str, *, limit: int, window: int):
        self.name, self.limit, self.window = name, limit, window

    def _key(self, key: str) -> str:
        return f"portal:ratelimit:{self.name}:{key}"

    def _client(self) -> redis.Redis:
        # One client (and connection pool) per process: a new one per call opened a TCP connection each time.
        url = settings.REDIS_URL
        client = _clients.get(url)
        if client is None:
            client = _clients.setdefault(url, redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1))
        return client

    def hit(self, key: str) -> bool:
        """Count one event for `key` and say whether it goes over the limit, in one round trip."""
        try:
            pipe = self._client().pipeline()
            pipe.incr(self._key(key))
            pipe.expire(self._key(key), self.window, nx=True)
            count, _ = pipe.execute()
        except redis.RedisError:
            log.warning("rate limit %s not checked: Redis unreachable", self.name)
            return False
        return count > self.limit

    def exceeded(self, key: str) -> bool:
        try:
            count = self._client().get(self._key(key))
        except redis.RedisError:
            log.warning("rate limit %s not checked: Redis unreachable", self.name)
            return False
        return count is not None and int(count) >= self.limit

    def record(self, key: str) -> None:
        try:
            pipe = self._client().pipeline()
            pipe.incr(self._key(key))
            pipe.expire(self._key(key), self.window, nx=True)
            pipe.execute()
        except redis.RedisError:
            log.warning("rate limit %s not recorded: Redis unreachable", self.name)

    def reset(self, key: str) -> None:
        try:
            self._client().delete(self._key(key))
        except redis.RedisError:
            log.warning("rate limit %s not reset: Redis unreachable", self.name)
