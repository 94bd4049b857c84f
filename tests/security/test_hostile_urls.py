"""No endpoint fetches a URL a caller supplies: every string a request can carry (each query parameter and body
field of every /api/ operation, Open311's media_url, an OGC API feature's properties) is set to URLs of a socket
this test listens on, the work those requests queue is run at once, and nothing ever connects to the socket."""

import json
import socket
import threading
import time
from urllib.parse import urlencode

import pytest
from django.test import Client
from hostile_helpers import PHAN_RANG, count_cases

from portal.api import api

pytestmark = pytest.mark.django_db


class Listener:
    """A TCP socket on loopback that records every connection made to it."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections: list = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, address = self.sock.accept()
            except TimeoutError:
                continue
            self.connections.append(address)
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    found = Listener()
    yield found
    found.close()


@pytest.fixture
def run_queued_work(django_capture_on_commit_callbacks):
    """What requests queue for later (Celery tasks sent on commit) runs in this process, at once."""
    from portal.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            yield
    finally:
        app.conf.task_always_eager = eager


def _urls(port: int) -> list[str]:
    return [f"http://127.0.0.1:{port}/photo.jpg", f"https://127.0.0.1:{port}/x", f"http://localhost:{port}/",
            f"//127.0.0.1:{port}/x", f"/vsicurl/http://127.0.0.1:{port}/x.tif", f"ftp://127.0.0.1:{port}/x"]


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _fill(spec: dict, schema: dict, url: str, depth: int = 0):
    """A value of `schema` whose every string is `url` (other values plausible, so the strings are reached)."""
    schema = _resolve(spec, schema)
    options = [s for s in schema.get("anyOf", []) + schema.get("oneOf", []) if _resolve(spec, s).get("type") != "null"]
    if options:
        schema = _resolve(spec, options[0])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        return {name: _fill(spec, sub, url, depth + 1) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [_fill(spec, schema.get("items", {}), url, depth + 1)]
    if kind == "integer":
        return 1
    if kind == "number":
        return PHAN_RANG[0]
    if kind == "boolean":
        return True
    return url


def _path_value(name: str, world) -> str:
    return {"camera_id": str(world.camera_ids[0]), "slug": world.parcels.slug, "code": world.incident_code}.get(
        name, "1")


def test_no_api_operation_fetches_a_url_it_is_given(world, listener, run_queued_work):
    spec = api.get_openapi_schema()
    tried = 0
    for url in _urls(listener.port):
        for auth in ({}, {"HTTP_AUTHORIZATION": f"Bearer {world.token}"}):
            client = Client()
            for path, operations in spec["paths"].items():
                for method, operation in operations.items():
                    target = path
                    query = {}
                    for parameter in operation.get("parameters", []):
                        name = parameter["name"]
                        if parameter["in"] == "path":
                            target = target.replace("{" + name + "}", _path_value(name, world))
                        elif parameter["in"] == "query":
                            query[name] = url
                    content = operation.get("requestBody", {}).get("content", {})
                    if "application/json" in content:
                        body = _fill(spec, content["application/json"]["schema"], url)
                        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
                    elif "multipart/form-data" in content:
                        kwargs = {"data": {k: (v if isinstance(v, str | int | float) else json.dumps(v)) for k, v in
                                           _fill(spec, content["multipart/form-data"]["schema"], url).items()}}
                    else:
                        kwargs = {}
                    if query:
                        target += "?" + urlencode(query)
                    response = getattr(client, method)(target, **kwargs, **auth)
                    assert response.status_code < 500, (method, target, response.content[:300])
                    tried += 1
    count_cases("url fetch", tried)
    assert tried > 900
    time.sleep(0.3)  # a connection started by a thread of the portal would have arrived by now
    assert listener.connections == [], "something fetched a URL a caller supplied"


def test_open311_media_url_and_ogc_feature_properties_are_never_fetched(world, listener, run_queued_work):
    client = Client()
    for url in _urls(listener.port):
        created = client.post("/open311/v2/requests.json", {
            "api_key": world.token, "service_code": "pothole", "lat": PHAN_RANG[1], "long": PHAN_RANG[0],
            "description": "Ổ gà, ảnh ở đường link", "media_url": url})
        assert created.status_code == 201, created.content
        code = json.loads(created.content)[0]["service_request_id"]
        assert json.loads(client.get(f"/open311/v2/requests/{code}.json").content)[0]["media_url"] != url
        feature = {"type": "Feature", "properties": {"ext_id": url[-40:], "sheet_no": url[:20], "parcel_no": "1",
                                                     "address": url},
                   "geometry": {"type": "Point", "coordinates": list(PHAN_RANG)}}
        response = client.post(f"/ogcapi/collections/{world.parcels.slug}/items", json.dumps(feature),
                               content_type="application/geo+json", HTTP_AUTHORIZATION=f"Bearer {world.token}")
        assert response.status_code < 500, response.content[:300]
        count_cases("url fetch", 3)
    time.sleep(0.3)
    assert listener.connections == [], "something fetched a URL a caller supplied"


def test_the_listener_does_see_a_fetch(listener):
    """The check above can fail: a real fetch of one of those URLs is seen."""
    with socket.create_connection(("127.0.0.1", listener.port), timeout=1):
        pass
    deadline = time.monotonic() + 2
    while not listener.connections and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(listener.connections) == 1
