"""The lean path's own Redis client, against the test run's real Redis: replies in order under concurrency,
the URL's database, and a cache that is down, refusing or silent counted as a miss, never an error."""

import asyncio
import socket
import time

import pytest
import redis
from django.conf import settings

from layers.tiles.resp_cache import MAX_PENDING, RETRY_AFTER, TIMEOUT, TileCache


def _run(coroutine):
    return asyncio.run(coroutine)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sync_redis():
    client = redis.Redis.from_url(settings.REDIS_URL)
    yield client
    client.delete(*client.keys("resp-test:*") or ["resp-test:none"])


def test_concurrent_reads_get_their_own_values_from_the_urls_database(sync_redis):
    sync_redis.set("resp-test:bytes", b"\x00\r\n$-1\r\n\xff" * 1000)  # RESP's own markers inside a value

    async def scenario():
        cache = TileCache(settings.REDIS_URL)
        for n in range(200):
            await cache.set(f"resp-test:{n}", str(n).encode() * (n + 1), 60)
        await cache.get("resp-test:0")  # its reply comes after the SETs': they are all answered
        values = await asyncio.gather(*(cache.get(f"resp-test:{n}") for n in range(200)))
        special, missing = await cache.get("resp-test:bytes"), await cache.get("resp-test:absent")
        await cache.close()
        return values, special, missing

    values, special, missing = _run(scenario())
    assert values == [str(n).encode() * (n + 1) for n in range(200)]
    assert special == b"\x00\r\n$-1\r\n\xff" * 1000 and missing is None
    # Written where redis-py reads, in the database the URL names, with the expiry asked for.
    assert sync_redis.get("resp-test:7") == b"7" * 8 and 0 < sync_redis.ttl("resp-test:7") <= 60


def test_past_the_backlog_reads_miss_instead_of_queueing():
    async def scenario():
        cache = TileCache(settings.REDIS_URL)
        await cache.get("resp-test:warm")
        for n in range(MAX_PENDING):  # written, their replies not read yet: nothing has yielded
            await cache.set(f"resp-test:{n}", b"v", 60)
        over = await cache.get("resp-test:1")
        await asyncio.sleep(0.2)
        return over, await cache.get("resp-test:1")

    assert _run(scenario()) == (None, b"v")


def test_a_cache_that_is_down_is_a_miss_and_is_not_dialled_for_every_tile():
    async def scenario():
        cache = TileCache(f"redis://127.0.0.1:{_closed_port()}/0")
        first = await cache.get("resp-test:x")
        started = time.monotonic()
        again = [await cache.get("resp-test:x") for _ in range(100)]
        await cache.set("resp-test:x", b"v", 60)
        return first, again, time.monotonic() - started, cache._writer

    first, again, seconds, writer = _run(scenario())
    assert first is None and again == [None] * 100 and writer is None
    assert seconds < RETRY_AFTER  # within the retry pause nothing dials the closed port again


def test_a_refused_login_is_a_miss(sync_redis):
    sync_redis.set("resp-test:secret", b"v")
    base = settings.REDIS_URL.split("://", 1)[1]
    cache_url = f"redis://nobody:wrong@{base}"  # this Redis has no such user: AUTH answers an error

    async def scenario():
        cache = TileCache(cache_url)
        return await cache.get("resp-test:secret")

    assert _run(scenario()) is None


def test_a_silent_cache_is_a_miss_after_the_timeout():
    async def scenario():
        # Accepts the connection, never answers: a hung Redis.
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        cache = TileCache(f"redis://127.0.0.1:{port}/0")
        started = time.monotonic()
        result = await cache.get("resp-test:x")
        elapsed = time.monotonic() - started
        server.close()
        return result, elapsed

    result, elapsed = _run(scenario())
    assert result is None and TIMEOUT <= elapsed < TIMEOUT + 1


def test_an_error_reply_is_a_miss_and_the_connection_goes_on(sync_redis):
    sync_redis.rpush("resp-test:list", b"v")  # GET on a list: Redis answers WRONGTYPE, as a full cache a SET

    async def scenario():
        cache = TileCache(settings.REDIS_URL)
        wrong = await cache.get("resp-test:list")
        await cache.set("resp-test:list", b"replaced", 60)
        writer = cache._writer
        return wrong, await cache.get("resp-test:list"), writer is cache._writer

    assert _run(scenario()) == (None, b"replaced", True)


def test_only_plain_redis_urls():
    with pytest.raises(ValueError, match="redis://"):
        TileCache("rediss://127.0.0.1:6379/0")


def test_with_a_tls_or_socket_redis_the_lean_path_hands_tiles_to_django():
    from layers.tiles.lean import LeanTiles

    scope = {"type": "http", "method": "GET", "path": "/tiles/parcels/16/52000/30000.mvt", "headers": [],
             "scheme": "http"}
    plain = LeanTiles(None, database_url="postgres://x@127.0.0.1/x", redis_url="redis://127.0.0.1:6379/0")
    assert plain._ours(scope) is not None
    for url in ("rediss://127.0.0.1:6380/0", "unix:///run/redis.sock"):
        assert LeanTiles(None, database_url="postgres://x@127.0.0.1/x", redis_url=url)._ours(scope) is None
