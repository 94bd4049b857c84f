"""The expected table of the role matrix: for each endpoint (an OpenAPI operation, or a named URL pattern and a
method) and each variant of its object, the principals who are let through. Everyone else must be refused.

"Let through" is judged from the response: by default any answer but 401, 403, 404 or a redirect to a login
page (a 409 or a 422 means the rights were granted and the request itself was refused); where a list or a
batch answers 200 to everyone and shows each caller only theirs, the judge looks for the object instead.
An endpoint the URL map or the OpenAPI document has and this table does not fails the test: classify it here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from role_matrix_world import PRINCIPALS, jpeg

ANON, CIT, DP, DD, DO = "anonymous", "citizen", "dispatcher_province", "dispatcher_district", \
    "dispatcher_other_district"
AO, AX, PL, SO, SX, AD = "agency_own", "agency_other", "planner", "steward_owner", "steward_other", "administrator"

EVERYONE = frozenset(PRINCIPALS)
LOGGED_IN = EVERYONE - {ANON}
STAFF = LOGGED_IN - {CIT}  # members of an organisation
NOBODY: frozenset[str] = frozenset()
DISPATCHERS = frozenset({DP, DD, DO})
DISPATCH_A = frozenset({DP, DD})  # who dispatches incident A (district A)
HANDLE_A = DISPATCH_A | {AO}  # ... and its agency
SEES_RESTRICTED = frozenset({AO, PL, SO})  # the owner's staff and the role the layer names
REPORT_READERS = DISPATCHERS | {AO, AX, AD}
SEES_RUN_A = REPORT_READERS - {DO}
CAMERA_REVIEW = frozenset({DP, DD, SO})  # dispatchers of the camera's district, the camera layer's stewards
STEWARDS = frozenset({SO, SX})
DISPATCH_PAGE = DISPATCHERS | {AO, AX}
SEES = {"public": EVERYONE, "internal": STAFF, "restricted": SEES_RESTRICTED}
LAYER_VARIANTS = ("public", "internal", "restricted")

DENIED = {401, 403, 404}
LOGIN_PAGES = ("/accounts/login/", "/admin/login/")


def _ticket() -> str:
    from incidents.spam import issue_ticket

    return issue_ticket(now=time.time() - 60)


@dataclass(frozen=True)
class Case:
    """One endpoint called one way. `key` is "METHOD /api/..." for an OpenAPI operation (the path is the key's)
    or "METHOD namespace:name" for a URL pattern (the path is given). Bodies and queries may be functions of the
    world's parameters, for values known only once it exists."""

    key: str
    allow: frozenset[str]
    path: str = ""
    variant: str = "public"
    names: dict = field(default_factory=dict)  # a path placeholder -> the world parameter filling it
    query: dict | Callable | None = None
    json: dict | Callable | None = None
    form: dict | Callable | None = None
    headers: dict = field(default_factory=dict)
    judge: Callable | None = None
    denied: frozenset[int] = frozenset(DENIED)
    answers: frozenset[int] = frozenset()  # server statuses that are this endpoint's answer, not an error
    served: bool = False  # asked through the served portal (ASGI) rather than the test client

    @property
    def method(self) -> str:
        return self.key.split(" ", 1)[0]

    @property
    def route(self) -> str:
        return self.key.split(" ", 1)[1]

    @property
    def label(self) -> str:
        return f"{self.key} [{self.variant}]"

    def url(self, params: dict) -> str:
        template = self.path or self.route
        return template.format(**{**params, **{name: params[source] for name, source in self.names.items()}})


def let_through(case: Case, response, body: bytes, params: dict) -> bool:
    if case.judge is not None:
        return case.judge(response, body, params)
    if response.status_code in case.denied:
        return False
    to_login = response.status_code in (301, 302, 303) and response.get("Location", "").startswith(LOGIN_PAGES)
    return not to_login


def shows(name: str) -> Callable:
    """Let through when the answer is a 200 that shows the object named by the world parameter `name`."""
    return lambda response, body, params: response.status_code == 200 and str(params[name]).encode() in body


def has_items(member: str) -> Callable:
    def judge(response, body, params):
        return response.status_code == 200 and bool(json.loads(body)[member])
    return judge


def status_is(*codes: int) -> Callable:
    return lambda response, body, params: response.status_code in codes


def _bulk_done(response, body, params) -> bool:
    return response.status_code == 200 and json.loads(body)["done"] > 0


def _runs_show_a(response, body, params) -> bool:
    return response.status_code == 200 and any(str(r["id"]) == params["run_id"] for r in json.loads(body))


def api(method: str, path: str, allow, **kwargs) -> Case:
    return Case(key=f"{method} {path}", allow=frozenset(allow), **kwargs)


def page(method: str, name: str, path: str, allow, **kwargs) -> Case:
    return Case(key=f"{method} {name}", allow=frozenset(allow), path=path, **kwargs)


def per_layer(make: Callable[[str], Case | list[Case]], variants=LAYER_VARIANTS) -> list[Case]:
    made = []
    for variant in variants:
        found = make(variant)
        made += found if isinstance(found, list) else [found]
    return made


def _photo(name: str = "anh.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg(), content_type="image/jpeg")


SQUARE = {"type": "Polygon", "coordinates": [[[108.94, 11.59], [108.96, 11.59], [108.96, 11.61], [108.94, 11.61],
                                              [108.94, 11.59]]]}
PAIRS = [{"u": u, "v": v, "lon": 108.9497 + du, "lat": 11.5992 + dv}
         for u, v, du, dv in ((5, 5, 0, 0.0003), (40, 5, 0.0003, 0.0003), (40, 28, 0.0003, 0), (5, 28, 0, 0))]


def _feature(params) -> dict:
    return {"type": "Feature", "id": "H11-NEW", "geometry": {"type": "MultiPolygon", "coordinates": [[[
        [108.951, 11.601], [108.952, 11.601], [108.952, 11.602], [108.951, 11.601]]]]},
        "properties": {"sheet_no": "9", "parcel_no": "9", "land_use_code": "ODT"}}


def _report(params) -> dict:
    return {"category": params["category"], "description": "Ổ gà mới H11 ma trận", "lon": 108.9498,
            "lat": 11.5993, "ticket": _ticket()}


def _app_report(params) -> dict:
    return {**_report(params), "channel": "app"}


API_CASES: list[Case] = [
    # accounts
    api("GET", "/api/auth/me", LOGGED_IN),
    api("GET", "/api/auth/tokens", LOGGED_IN),
    api("POST", "/api/auth/tokens", LOGGED_IN, json={"name": "matrix-new"}),
    api("DELETE", "/api/auth/tokens/{token_id}", {AD}),
    # administrative units: public geography
    api("GET", "/api/admin-units/at", EVERYONE, query={"lon": 108.9497, "lat": 11.5992}),
    api("GET", "/api/admin-units/{unit_id}", EVERYONE),
    # rasters, layers, imports
    api("GET", "/api/rasters/", SEES_RESTRICTED, variant="restricted", judge=shows("raster")),
    *per_layer(lambda v: [
        api("GET", "/api/rasters/{slug}/value", SEES[v], variant=v, names={"slug": "raster"},
            query=lambda p: {"lon": p["lon"], "lat": p["lat"]}),
        api("POST", "/api/rasters/{slug}/zonal-stats", SEES[v], variant=v, names={"slug": "raster"}, json=SQUARE),
    ], ("public", "restricted")),
    api("GET", "/api/layers/", SEES_RESTRICTED, variant="restricted", judge=shows("slug")),
    *per_layer(lambda v: [
        api("GET", "/api/layers/{slug}", SEES[v], variant=v),
        api("GET", "/api/layers/{slug}/export", SEES[v], variant=v, query={"format": "geojson"}),
        api("PUT", "/api/layers/{slug}/style", {SO}, variant=v, json={"type": "fill", "paint": {"fill-opacity": 0.5}}),
        api("POST", "/api/imports/", {SO}, variant=v, form=lambda p: {
            "layer": p["slug"], "file": SimpleUploadedFile("thua.geojson", b'{"type":"FeatureCollection",'
                                                                            b'"features":[]}')}),
    ]),
    api("GET", "/api/imports/{job_id}", {SO}),
    # the map page's API
    api("GET", "/api/map/config", SEES_RESTRICTED, variant="restricted", judge=shows("slug")),
    *per_layer(lambda v: [
        api("GET", "/api/map/search", SEES[v], variant=v, judge=has_items("results"),
            query=lambda p: {"q": f"tờ {p['sheet_no']} thửa {p['parcel_no']}"}),
        api("GET", "/api/map/identify", SEES[v], variant=v, judge=has_items("features"),
            query=lambda p: {"lon": p["lon"], "lat": p["lat"], "zoom": 18, "layers": p["slug"]}),
    ]),
    # incidents: the public side
    api("GET", "/api/incidents/categories", EVERYONE),
    api("GET", "/api/incidents/ticket", EVERYONE),
    api("GET", "/api/incidents/nearby", EVERYONE, query=lambda p: {"category": p["category"], "lon": 108.9497,
                                                                    "lat": 11.5992}),
    api("POST", "/api/incidents/", EVERYONE, json=_report),
    api("GET", "/api/incidents/public", EVERYONE),
    api("GET", "/api/incidents/track/{code}", EVERYONE),
    api("POST", "/api/incidents/track/{code}/follow", EVERYONE, json={"email": "theo.doi@example.org"}),
    # only the reporter (the citizen who filed incident A); the status is not resolved, so a 409 for them
    api("POST", "/api/incidents/track/{code}/rate", {CIT}, json={"rating": 5}),
    api("POST", "/api/incidents/track/{code}/reopen", {CIT}, json={"reason": "Vẫn còn"}),
    # incidents: staff work on incident A (district A, agency A)
    # lists: whether incident A is among what the caller gets (its category only, whatever else the database holds)
    api("GET", "/api/incidents/staff", HANDLE_A, judge=shows("code"), query=lambda p: {"category": p["category"]}),
    api("GET", "/api/incidents/staff/{incident_id}", HANDLE_A),
    api("POST", "/api/incidents/staff/{incident_id}/accept", DISPATCH_A, json={"reason": ""}),
    api("POST", "/api/incidents/staff/{incident_id}/reject", DISPATCH_A, json={"reason": "Trùng"}),
    api("POST", "/api/incidents/staff/{incident_id}/assign", DISPATCH_A,
        json={"agency": "h11-agency-b", "reason": "Chuyển"}),
    api("POST", "/api/incidents/staff/{incident_id}/start", HANDLE_A, json={"reason": ""}),
    api("POST", "/api/incidents/staff/{incident_id}/resolve", HANDLE_A,
        form=lambda p: {"note": "Đã vá", "photos": _photo()}),
    api("POST", "/api/incidents/staff/{incident_id}/close", DISPATCH_A, json={"reason": ""}),
    api("POST", "/api/incidents/staff/{incident_id}/note", HANDLE_A, json={"note": "Ghi chú", "public": False}),
    api("POST", "/api/incidents/staff/{incident_id}/merge", DISPATCH_A, json=lambda p: {"into": p["into"]}),
    api("POST", "/api/incidents/hotline/calls", DISPATCHERS, json=lambda p: {
        "category": p["category"], "description": "Gọi điện H11", "lon": 108.9497, "lat": 11.5992}),
    api("GET", "/api/incidents/pin/{key}", EVERYONE, names={"key": "pin_key"}),
    api("POST", "/api/incidents/pin/{key}", EVERYONE, names={"key": "pin_key"}, json={"lon": 108.9497, "lat": 11.5992}),
    api("GET", "/api/dispatch/incidents", HANDLE_A, judge=shows("code"), query=lambda p: {"category": p["category"]}),
    api("GET", "/api/dispatch/duplicates", DISPATCH_A, judge=shows("code"),
        query=lambda p: {"ids": f"{p['incident_id']},{p['incident_a2_id']}"}),
    api("POST", "/api/dispatch/bulk", HANDLE_A, judge=_bulk_done,
        json=lambda p: {"action": "note", "ids": [int(p["incident_id"])], "reason": "Ghi chú"}),
    # chat webhooks: signed by the platform, never by a role
    api("POST", "/api/chat/zalo/webhook", NOBODY, json={"app_id": "h11-zalo-app", "timestamp": "1"}),
    api("GET", "/api/chat/messenger/webhook", NOBODY,
        query={"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "42"}),
    api("POST", "/api/chat/messenger/webhook", NOBODY, json={"object": "page", "entry": []}),
    api("POST", "/api/app/reports", EVERYONE, form=_app_report,
        headers={"HTTP_IDEMPOTENCY_KEY": "h11-matrix-idempotency-key-000000001"}),
    # planning lookup: public, on the layers the caller sees
    *per_layer(lambda v: [
        api("GET", "/api/planning/lookup", SEES[v], variant=v, query=lambda p: {"lon": p["lon"], "lat": p["lat"]}),
        api("GET", "/api/planning/parcels/{parcel_id}", SEES[v], variant=v),
        # a sheet is a public document, issued with the public's scope whoever asks
        api("POST", "/api/planning/sheets", SEES[v] if v == "public" else NOBODY, variant=v,
            json=lambda p: {"parcel_id": int(p["parcel_id"])}),
    ]),
    api("GET", "/api/planning/communes", EVERYONE, query={"q": "Phan Rang"}),
    api("GET", "/api/planning/decisions/{decision_id}/document", EVERYONE),
    api("GET", "/api/planning/sheets/{code}", EVERYONE, names={"code": "sheet_code"}),
    api("GET", "/api/planning/sheets/{code}/pdf", EVERYONE, names={"code": "sheet_code"}),
    # planner queries
    api("POST", "/api/queries/parcels", {PL}, json={"land_use": ["ODT"]}),
    api("GET", "/api/queries/overlay", {PL}),
    api("GET", "/api/queries/plan-vs-current", {PL}),
    api("GET", "/api/queries/underground-conflicts", {PL}),
    # no water network here: the planner's answer is "no such node" (404), everyone else's a refusal
    api("GET", "/api/queries/trace", {PL}, query={"network": "water", "node": "H11-NODE"},
        denied=frozenset({401, 403})),
    api("POST", "/api/queries/zonal-stats", {PL}, json=lambda p: {"raster": p["raster"], "polygons": "communes"}),
    # reports: district A's run
    api("GET", "/api/reports/", SEES_RUN_A, judge=_runs_show_a, query={"kind": "weekly", "limit": 500}),
    api("POST", "/api/reports/", {DP, DD, AD}, json=lambda p: {
        "area": p["report_area"], "level": "district", "start": p["report_start"], "end": p["report_end"]}),
    api("GET", "/api/reports/{run_id}", SEES_RUN_A),
    api("GET", "/api/reports/{run_id}/files/{fmt}", SEES_RUN_A, names={"fmt": "report_fmt"}),
    # open data: public layers only, for everyone alike
    api("GET", "/api/opendata/datasets", EVERYONE),
    *per_layer(lambda v: [
        api("GET", "/api/opendata/datasets/{slug}", SEES[v] if v == "public" else NOBODY, variant=v),
        api("GET", "/api/opendata/datasets/{slug}/download", SEES[v] if v == "public" else NOBODY, variant=v,
            query={"format": "geojson"}),
        api("GET", "/api/opendata/datasets/{slug}/SHA256SUMS", SEES[v] if v == "public" else NOBODY, variant=v),
    ]),
    api("GET", "/api/opendata/bundle", EVERYONE, query=lambda p: {"area": p["bundle_area"], "min_zoom": 12,
                                                                   "max_zoom": 12}),
    # camera analytics: the camera stands in district A, on agency A's internal layer
    api("GET", "/api/cameras/{camera_id}", CAMERA_REVIEW),
    api("POST", "/api/cameras/{camera_id}/view", {SO}, form=lambda p: {"file": _photo("frame.jpg")}),
    api("POST", "/api/cameras/{camera_id}/calibration/check", {SO},
        json={"pairs": PAIRS, "frame_width": 48, "frame_height": 32}),
    api("PUT", "/api/cameras/{camera_id}/calibration", {SO},
        json={"pairs": PAIRS, "frame_width": 48, "frame_height": 32}),
    api("GET", "/api/cameras/{camera_id}/rules", CAMERA_REVIEW),
    api("PUT", "/api/cameras/{camera_id}/rules", {SO}, json={"rules": [], "frame_width": 48, "frame_height": 32}),
    api("POST", "/api/cameras/{camera_id}/analyses", CAMERA_REVIEW,
        form=lambda p: {"file": SimpleUploadedFile("clip.mp4", b"not a video", content_type="video/mp4")}),
    api("POST", "/api/cameras/{camera_id}/stream-chunks", {SO}, json={"seconds": 5}),
    api("GET", "/api/cameras/runs/{run_id}", CAMERA_REVIEW, names={"run_id": "camera_run_id"}),
    api("GET", "/api/cameras/{camera_id}/violations", CAMERA_REVIEW),
    api("GET", "/api/cameras/violations/{violation_id}", CAMERA_REVIEW),
    api("GET", "/api/cameras/{camera_id}/counts", STAFF - {DO}),
]

TILE = "{z}/{x}/{y}"

PAGE_CASES: list[Case] = [
    page("GET", "home", "/", EVERYONE),
    # 503 while a part is degraded (no Celery worker in this test): the same answer to everyone
    page("GET", "healthz", "/healthz", EVERYONE, answers=frozenset({503})),
    page("GET", "map", "/map/", EVERYONE),
    page("GET", "map-style", "/map/style/{base}.json", EVERYONE),
    page("GET", "map-decision-document", "/map/decisions/{decision_id}/document", EVERYONE),
    page("GET", "api:openapi-json", "/api/openapi.json", EVERYONE),
    page("GET", "api:openapi-view", "/api/docs", EVERYONE),
    # ninja's index of the API: a redirect to the docs with DEBUG, a 404 to everyone otherwise
    page("GET", "api:api-root", "/api/", NOBODY),
    page("GET", "login", "/accounts/login/", EVERYONE),
    page("POST", "logout", "/accounts/logout/", EVERYONE),
    page("GET", "layers:import-upload", "/layers/import/", STEWARDS),
    # the form offers only the layers the steward may change: anyone else's choice is refused (400)
    page("POST", "layers:import-upload", "/layers/import/", {SO}, judge=status_is(200), form=lambda p: {
        "layer": p["layer_pk"], "mode": "replace",
        "file": SimpleUploadedFile("thua.geojson", b'{"type":"FeatureCollection","features":[]}')}),
    page("POST", "layers:import-start", "/layers/import/start/", {SO}, form=lambda p: {"token": p["start_token"]}),
    page("GET", "layers:import-job", "/layers/imports/{job_id}/", {SO}),
    page("GET", "planning:lookup", "/planning/", EVERYONE),
    page("GET", "planning:queries", "/planning/queries/", {PL}),
    page("GET", "planning:verify", "/planning/verify/{sheet_code}/", EVERYONE),
    page("GET", "ogcapi:landing", "/ogcapi/", EVERYONE),
    page("GET", "ogcapi:conformance", "/ogcapi/conformance", EVERYONE),
    page("GET", "ogcapi:api", "/ogcapi/api", SEES_RESTRICTED, variant="restricted", judge=shows("slug")),
    page("GET", "ogcapi:collections", "/ogcapi/collections", SEES_RESTRICTED, variant="restricted",
         judge=shows("slug")),
    *per_layer(lambda v: [
        page("GET", "ogcapi:collection", "/ogcapi/collections/{slug}", SEES[v], variant=v),
        page("GET", "ogcapi:queryables", "/ogcapi/collections/{slug}/queryables", SEES[v], variant=v),
        page("GET", "ogcapi:items", "/ogcapi/collections/{slug}/items", SEES[v], variant=v),
        page("POST", "ogcapi:items", "/ogcapi/collections/{slug}/items", {SO}, variant=v, json=_feature),
        page("GET", "ogcapi:item", "/ogcapi/collections/{slug}/items/{feature_id}", SEES[v], variant=v),
        page("PUT", "ogcapi:item", "/ogcapi/collections/{slug}/items/{feature_id}", {SO}, variant=v,
             json=_feature),
        page("PATCH", "ogcapi:item", "/ogcapi/collections/{slug}/items/{feature_id}", {SO}, variant=v,
             json={"properties": {"parcel_no": "999"}}),
        page("DELETE", "ogcapi:item", "/ogcapi/collections/{slug}/items/{feature_id}", {SO}, variant=v),
        page("GET", "ogcapi:tilesets", "/ogcapi/collections/{slug}/tiles", SEES[v], variant=v),
        page("GET", "ogcapi:tileset", "/ogcapi/collections/{slug}/tiles/WebMercatorQuad", SEES[v], variant=v),
        page("GET", "ogcapi:tile", "/ogcapi/collections/{slug}/tiles/WebMercatorQuad/{z}/{y}/{x}", SEES[v],
             variant=v),
        page("GET", "tiles:tile", "/tiles/{slug}/" + TILE + ".mvt", SEES[v], variant=v),
        page("GET", "tiles:style", "/tiles/{slug}/style.json", SEES[v], variant=v),
        page("GET", "tiles:tilejson", "/tiles/{slug}.json", SEES[v], variant=v),
    ]),
    page("GET", "ogcapi:tile-matrix-sets", "/ogcapi/tileMatrixSets", EVERYONE),
    page("GET", "ogcapi:tms", "/ogcapi/tileMatrixSets/WebMercatorQuad", EVERYONE),
    *per_layer(lambda v: page("GET", "tiles:raster-tile", "/tiles/raster/{raster}/{rz}/{rx}/{ry}.png", SEES[v],
                              variant=v), ("public", "restricted")),
    page("GET", "incidents:list", "/incidents/", EVERYONE),
    page("GET", "incidents:map", "/incidents/map/", EVERYONE),
    page("GET", "incidents:report", "/incidents/report/", EVERYONE),
    page("POST", "incidents:report", "/incidents/report/", EVERYONE, form=_report),
    page("GET", "incidents:track-lookup", "/incidents/track/", EVERYONE),
    page("GET", "incidents:track", "/incidents/track/{code}", EVERYONE),
    page("POST", "incidents:track", "/incidents/track/{code}", {CIT}, form={"action": "reopen", "reason": "Vẫn còn"}),
    page("GET", "incidents:pin", "/incidents/pin/{pin_key}", EVERYONE),
    page("POST", "incidents:pin", "/incidents/pin/{pin_key}", EVERYONE, form={"lon": "108.9497", "lat": "11.5992"}),
    page("GET", "incidents:hotline", "/incidents/hotline/", DISPATCHERS),
    page("POST", "incidents:hotline", "/incidents/hotline/", DISPATCHERS, form=lambda p: {
        "category": p["category"], "description": "Gọi điện H11", "lon": "108.9497", "lat": "11.5992"}),
    page("GET", "incidents:media", "/incidents/media/{media_id}/original", HANDLE_A, variant="original"),
    page("GET", "incidents:media", "/incidents/media/{media_id}/public", EVERYONE, variant="public copy"),
    page("GET", "incidents:media", "/incidents/media/{media_id}/thumb", EVERYONE, variant="thumbnail"),
    page("GET", "dispatch:page", "/dispatch/", DISPATCH_PAGE),
    # server-sent events: an async view that never ends, asked through the served portal (test_role_matrix)
    page("GET", "dispatch:events", "/dispatch/events", DISPATCH_PAGE, served=True),
    page("GET", "chat:pin", "/chat/pin/{chat_key}", EVERYONE),
    page("POST", "chat:pin", "/chat/pin/{chat_key}", EVERYONE, form={"lon": "108.9497", "lat": "11.5992"}),
    page("GET", "chat:outbox", "/chat/outbox/", DISPATCHERS),
    page("GET", "citizen_app:shell", "/app/", EVERYONE),
    page("GET", "citizen_app:sw", "/app/sw.js", EVERYONE),
    page("GET", "citizen_app:manifest", "/app/manifest.webmanifest", EVERYONE),
    page("GET", "citizen_app:icon", "/app/icons/{icon}.png", EVERYONE),
    page("GET", "open311:discovery", "/open311/v2/discovery.json", EVERYONE),
    page("GET", "open311:services", "/open311/v2/services.json", EVERYONE),
    page("GET", "open311:service", "/open311/v2/services/{category}.json", EVERYONE),
    page("GET", "open311:requests", "/open311/v2/requests.json", EVERYONE),
    # posting needs an api_key: every principal but the anonymous one holds a token
    page("POST", "open311:requests", "/open311/v2/requests.json", LOGGED_IN, form=lambda p: {
        "api_key": p["api_key"], "service_code": p["category"], "description": "Open311 H11", "lat": "11.5992",
        "long": "108.9497"}),
    page("GET", "open311:request", "/open311/v2/requests/{code}.json", EVERYONE),
    page("GET", "open311:token", "/open311/v2/tokens/{token_id_311}.json", EVERYONE),
    page("GET", "reports:list", "/reports/", REPORT_READERS),
    page("GET", "reports:report", "/reports/{run_id}/", SEES_RUN_A),
    page("GET", "reports:file", "/reports/{run_id}/{report_fmt}", SEES_RUN_A),
    page("GET", "opendata:catalog", "/opendata/", EVERYONE),
    page("GET", "opendata:dcat", "/opendata/catalog.jsonld", EVERYONE),
    page("GET", "opendata:ckan", "/opendata/api/3/action/{ckan}", EVERYONE),
    *per_layer(lambda v: page("GET", "opendata:dataset", "/opendata/{slug}/", EVERYONE if v == "public" else NOBODY,
                              variant=v)),
    page("GET", "camera_analytics:calibrate", "/cameras/{camera_id}/calibrate/", {SO}),
    page("GET", "camera_analytics:frame", "/cameras/{camera_id}/frame.jpg", CAMERA_REVIEW),
    page("GET", "camera_analytics:evidence", "/cameras/evidence/{evidence_id}", CAMERA_REVIEW),
    page("POST", "set_language", "/i18n/setlang/", EVERYONE, form={"language": "en", "next": "/"}),
    # Django's admin: only its index, which needs a staff account
    page("GET", "admin:index", "/admin/", {AD}),
]

CASES = API_CASES + PAGE_CASES
