"""Lua scripts sent straight on a pooled connection (hub.redis_scripts) answer as redis-py's
own `Script` does, also when Redis does not know the script or dropped the connection."""

import uuid

import pytest
import redis
from django.conf import settings

from hub.redis_scripts import Script


@pytest.fixture
def client():
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs CELERY_BROKER_URL=redis://... (CI sets it)")
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    yield client
    client.close()


def counting_script(client):
    # A source Redis has never seen (its SHA is new): the first call finds no script.
    source = f"-- {uuid.uuid4()}\nreturn {{redis.call('INCRBY', KEYS[1], ARGV[1]), ARGV[2]}}"
    return Script(client, source)


def test_a_script_unknown_to_redis_is_loaded_and_answers_as_redis_py_would(client):
    key = f"test-scripts:{uuid.uuid4()}"
    script = counting_script(client)
    try:
        assert script(keys=[key], args=[2, "a"]) == [2, b"a"]
        assert script(keys=[key], args=[2, "a"]) == [4, b"a"]  # packed once, sent again
        assert script.script(keys=[key], args=[3, "b"]) == [7, b"b"]
    finally:
        client.delete(key)


def test_a_connection_redis_dropped_is_replaced(client):
    key = f"test-scripts:{uuid.uuid4()}"
    script = counting_script(client)
    try:
        assert script(keys=[key], args=[1, "x"]) == [1, b"x"]
        pooled = client.client_id()  # the pool's one connection, the script's too
        with redis.Redis.from_url(settings.CELERY_BROKER_URL) as other:
            assert other.client_kill_filter(_id=pooled) == 1
        assert script(keys=[key], args=[1, "x"]) == [2, b"x"]
    finally:
        client.delete(key)


def test_an_error_in_the_script_is_raised_and_the_connection_stays_usable(client):
    script = Script(client, f"-- {uuid.uuid4()}\nreturn redis.error_reply('refused')")
    for _ in range(2):
        with pytest.raises(redis.ResponseError, match="refused"):
            script(keys=[], args=[])
    assert client.ping()
