"""The role matrix's world: one object of each kind per org unit, committed once per module and removed after.

Two districts of Ninh Thuận (Phan Rang-Tháp Chàm, A; Ninh Hải, B) each with a district IOC; two agencies, A
owning every layer; a public, an internal and a restricted parcel layer; public and restricted rasters; an
internal camera layer with a camera in district A, its frame, a run, a violation and its evidence; incidents in
both districts assigned to their district's agency, with reporters and media; a report run per district with
its file; a plan decision with its document, a planning sheet, pin-drop links, an import job. Every personal
or restricted string seeded here is listed in `secrets`: anonymous responses must never carry one.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth.models import Group
from django.contrib.gis.db.models.functions import PointOnSurface
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core import signing
from django.core.files.base import ContentFile
from django.test import Client, override_settings
from django.utils import timezone
from PIL import Image

PHAN_RANG = (108.9497, 11.5992)  # the Cham towers, in district A
PREFIX = "h11"

PRINCIPALS = ("anonymous", "citizen", "dispatcher_province", "dispatcher_district", "dispatcher_other_district",
              "agency_own", "agency_other", "planner", "steward_owner", "steward_other", "administrator")
# principal -> (role, org key, is_staff); org keys name World.orgs.
_USERS = {
    "citizen": ("citizen", None, False),
    "dispatcher_province": ("dispatcher", "province", False),
    "dispatcher_district": ("dispatcher", "district_a", False),
    "dispatcher_other_district": ("dispatcher", "district_b", False),
    "agency_own": ("agency_staff", "agency_a", False),
    "agency_other": ("agency_staff", "agency_b", False),
    "planner": ("planner", "province", False),
    "steward_owner": ("data_steward", "agency_a", False),
    "steward_other": ("data_steward", "agency_b", False),
    "administrator": ("administrator", "province", True),
}


@dataclass
class World:
    root: Path
    orgs: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    clients: dict = field(default_factory=dict)
    layers: dict = field(default_factory=dict)
    incidents: dict = field(default_factory=dict)
    runs: dict = field(default_factory=dict)
    districts: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)  # path parameters by name, for the default (public) variant
    variants: dict = field(default_factory=dict)  # variant -> parameters that differ from the default
    secrets: list = field(default_factory=list)
    sessions_before: set = field(default_factory=set)
    made: list = field(default_factory=list)  # rows to delete afterwards, in creation order

    def settings(self):
        """Where this world's files are: every request of the matrix is made under these settings."""
        return override_settings(MEDIA_ROOT=str(self.root / "media"), REPORTS_DIR=str(self.root / "reports"),
                                 INCIDENT_MEDIA_DIR=self.root / "incident-media",
                                 CAMERA_EVIDENCE_DIR=self.root / "camera-evidence",
                                 CHAT_ZALO_APP_ID="h11-zalo-app", CHAT_ZALO_OA_SECRET_KEY="h11-zalo-secret",
                                 CHAT_MESSENGER_APP_SECRET="h11-messenger-secret",
                                 CHAT_MESSENGER_VERIFY_TOKEN="h11-verify-token")


def jpeg(size=(48, 32), color=(20, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def _box(lon: float, lat: float, half: float = 0.0004) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((lon - half, lat - half, lon + half, lat + half)), srid=4326)


def _keep(world: World, obj):
    world.made.append(obj)
    return obj


def _orgs(world: World) -> None:
    from layers.models import AdminUnit
    from portal.accounts.models import OrgUnit

    province = AdminUnit.objects.get(level="province", name="Ninh Thuận")
    a = AdminUnit.objects.get(level="district", name="Thành phố Phan Rang-Tháp Chàm")
    b = AdminUnit.objects.get(level="district", name="Huyện Ninh Hải")
    inside_b = AdminUnit.objects.annotate(p=PointOnSurface("geom")).get(pk=b.pk).p
    world.districts = {"a": a, "b": b, "point_a": Point(*PHAN_RANG, srid=4326), "point_b": inside_b,
                       "province": province}
    kinds = {"province": (OrgUnit.Kind.PROVINCE_IOC, province), "district_a": (OrgUnit.Kind.DISTRICT_IOC, a),
             "district_b": (OrgUnit.Kind.DISTRICT_IOC, b), "agency_a": (OrgUnit.Kind.AGENCY, province),
             "agency_b": (OrgUnit.Kind.AGENCY, province)}
    for key, (kind, unit) in kinds.items():
        world.orgs[key] = _keep(world, OrgUnit.objects.create(
            code=f"{PREFIX}-{key.replace('_', '-')}", name=f"H11 {key}", kind=kind, admin_unit=unit))


def _users(world: World) -> None:
    from portal.accounts.models import ApiToken, User
    from portal.accounts.roles import sync_roles
    from portal.accounts.services import TOKEN_PREFIX, digest_of

    sync_roles()
    world.clients["anonymous"] = Client(raise_request_exception=False)
    for name, (role, org, staff) in _USERS.items():
        user = _keep(world, User.objects.create_user(
            f"{PREFIX}-{name}", password="a-long-test-password", email=f"{name}.{PREFIX}@example.org",
            org_unit=world.orgs.get(org), is_staff=staff))
        user.groups.add(Group.objects.get(name=role))
        world.users[name] = user
        # Stored as do_issue_token stores it, without its audit row: the world is committed, and the audit log
        # is append-only, so a row written here would outlive the world and confuse the audit log's own tests.
        key = f"{TOKEN_PREFIX}h11-{name}-{secrets.token_urlsafe(16)}"
        ApiToken.objects.create(user=user, name="matrix", prefix=key[:10], digest=digest_of(key))
        world.tokens[name] = key
        client = Client(raise_request_exception=False)
        client.force_login(user)
        world.clients[name] = client


def _parcel_layer(world: World, variant: str, visibility: str, n: int):
    from layers.models import AdminUnit, LandParcel, Layer

    slug = {"public": f"{PREFIX}-thua-cong-khai", "internal": f"{PREFIX}-thua-noi-bo",
            "restricted": f"{PREFIX}-thua-mat"}[variant]
    layer = _keep(world, Layer.objects.create(
        slug=slug, kind="land_parcel", title_vi=f"Thửa đất {variant} H11", title_en=f"Parcels {variant} H11",
        theme="planning", visibility=visibility, owner=world.orgs["agency_a"],
        allowed_roles=["planner"] if visibility == "restricted" else []))
    lon, lat = PHAN_RANG[0] + 0.003 * n, PHAN_RANG[1] + 0.002
    commune = AdminUnit.objects.filter(level="commune").containing(Point(lon, lat, srid=4326)).first()
    holder, holder_id = f"Phạm Chủ Đất H11 {variant}", f"CCCD-H11-00077{n}"
    ext_id = f"H11-MAT-{n}" if variant == "restricted" else f"H11-{variant.upper()}-{n}"
    address = "Ngõ Bí Mật H11" if variant == "restricted" else f"{n} đường Thống Nhất"
    parcel = LandParcel.objects.create(layer=layer, ext_id=ext_id, commune=commune, sheet_no=f"7{n}",
                                       parcel_no=f"11{n}", legal_area_m2=300.0, land_use_code_id="ODT",
                                       address=address, holder_name=holder, holder_id=holder_id,
                                       geom=_box(lon, lat))
    world.secrets += [holder, holder_id]
    if variant == "restricted":
        world.secrets += [slug, ext_id, address, layer.title_vi, layer.title_en]
    world.layers[variant] = layer
    return layer, parcel


def _layers(world: World, raster_file: Path) -> None:
    from layers.models import Camera, Layer
    from layers.rasters import do_register_raster

    for n, (variant, visibility) in enumerate((("public", "public"), ("internal", "internal"),
                                               ("restricted", "restricted"))):
        layer, parcel = _parcel_layer(world, variant, visibility, n)
        world.variants.setdefault(variant, {}).update(
            slug=layer.slug, collection_id=layer.slug, layers=layer.slug, parcel_id=str(parcel.pk),
            feature_id=parcel.ext_id, dataset=layer.slug)
    for variant, visibility in (("public", "public"), ("restricted", "restricted")):
        slug = f"{PREFIX}-dan-so" + ("-mat" if variant == "restricted" else "")
        raster = do_register_raster(path=raster_file, slug=slug, title_vi=f"Dân số {variant} H11",
                                    title_en=f"Population {variant} H11", visibility=visibility,
                                    allowed_roles=["planner"] if variant == "restricted" else None)
        Layer.objects.filter(pk=raster.layer_id).update(owner=world.orgs["agency_a"])
        _keep(world, raster.layer)
        world.variants[variant]["raster"] = slug
        if variant == "restricted":
            world.secrets.append(slug)
    cameras = _keep(world, Layer.objects.create(
        slug=f"{PREFIX}-camera", kind="camera", title_vi="Camera H11", title_en="Cameras H11", theme="cameras",
        visibility=Layer.Visibility.INTERNAL, owner=world.orgs["agency_a"]))
    stream = "rtsp://10.77.1.9:554/h11-secret-stream"
    camera = Camera.objects.create(layer=cameras, ext_id="H11-CAM-1", name="Ngã tư H11", kind="traffic",
                                   heading_deg=90.0, stream_url=stream, geom=Point(*PHAN_RANG, srid=4326))
    world.secrets.append(stream)
    world.layers["cameras"], world.layers["camera"] = cameras, camera


def _incidents(world: World) -> None:
    from incidents.intake import Report, check_report, do_submit_incident
    from incidents.models import Category, Incident, IncidentMedia, PinDropLink, Status

    category = _keep(world, Category.objects.create(code=f"{PREFIX}-o-ga", name_vi="Ổ gà H11", name_en="Pothole H11",
                                                    deadline_days=5, group="Giao thông"))
    world.params.update(category=category.code, category_pk=category.pk)
    people = {"a": ("Lê Thị Kín H11", "0909777111", "kin.h11@example.org"),
              "a2": ("Đỗ Văn Kín H11", "0909777333", "do.h11@example.org"),
              "b": ("Hồ Văn Giấu H11", "0909777222", "giau.h11@example.org")}
    for key, (name, phone, email) in people.items():
        point = world.districts["point_b" if key == "b" else "point_a"]
        incident = do_submit_incident(check_report(Report(
            category=category.code, description=f"Ổ gà lớn H11 {key}", channel="web", lon=point.x, lat=point.y,
            reporter_name=name, reporter_phone=phone, reporter_email=email,
            reporter_user=world.users["citizen"] if key == "a" else None)))
        agency = world.orgs["agency_b" if key == "b" else "agency_a"]
        Incident.objects.filter(pk=incident.pk).update(agency=agency, status=Status.ASSIGNED)
        incident.refresh_from_db()
        world.incidents[key] = _keep(world, incident)
        world.secrets += [incident.reporter_name, incident.reporter_phone, incident.reporter_email]
    assert world.incidents["a"].district_id == world.districts["a"].pk, "incident A is not in district A"
    assert world.incidents["b"].district_id == world.districts["b"].pk, "incident B is not in district B"
    a = world.incidents["a"]
    media = IncidentMedia(incident=a, kind="photo", status=IncidentMedia.State.READY, content_type="image/jpeg",
                          size_bytes=100, sha256="0" * 64, original_name="anh.jpg", public_content_type="image/jpeg")
    photo = jpeg()
    media.original.save("anh-goc.jpg", ContentFile(photo), save=False)
    media.public_copy.save("anh-cong-khai.jpg", ContentFile(photo), save=False)
    media.thumbnail.save("anh-nho.jpg", ContentFile(photo), save=False)
    media.save()
    key = "h11-pin-drop-key-0123456789"
    PinDropLink.objects.create(digest=hashlib.sha256(key.encode()).hexdigest(), expires_at=timezone.now()
                               + timedelta(days=1), draft={"category": category.code, "description": "Gọi H11"})
    a2 = world.incidents["a2"]
    world.params.update(incident_id=str(a.pk), incident_a2_id=str(a2.pk), code=a.tracking_code,
                        request_id=a.tracking_code, token_id_311=str(a.token), media_id=str(media.pk), pin_key=key,
                        into=a2.tracking_code)


def _chat(world: World) -> None:
    from incidents.chat.conversations import pin_digest
    from incidents.chat.models import Conversation

    key = "h11-chat-pin-key-0123456789"
    Conversation.objects.create(platform="zalo", sender_id="h11-zalo-user-secret", state="awaiting_pin",
                                category_id=world.params["category_pk"], description="Ổ gà chat H11",
                                pin_digest=pin_digest(key), pin_expires_at=timezone.now() + timedelta(days=1))
    world.secrets.append("h11-zalo-user-secret")
    world.params["chat_key"] = key


def _cameras(world: World) -> None:
    from camera_analytics.models import AnalysisRun, CameraView, Violation, ViolationEvidence

    camera = world.layers["camera"]
    view = CameraView(frame_width=48, frame_height=32)
    view.set_camera(camera)
    view.frame.save("frame.jpg", ContentFile(jpeg()), save=False)
    view.save()
    run = AnalysisRun(source="/srv/clips/h11-private-clip.mp4", recorded_at=timezone.now(), status="done",
                      camera_id=camera.pk)
    run.set_camera(camera)
    run.save()
    violation = Violation(run=run, camera_id=camera.pk, kind="wrong_way", rule="h11", track_id=1, frame=10,
                          observed_at=timezone.now(), pixel_u=10, pixel_v=10)
    violation.set_camera(camera)
    violation.save()
    still = jpeg(color=(200, 30, 30))
    evidence = ViolationEvidence(violation=violation, role="still", sha256=hashlib.sha256(still).hexdigest(),
                                 size_bytes=len(still), content_type="image/jpeg")
    evidence.original.save("still.jpg", ContentFile(still), save=False)
    evidence.save()
    world.params.update(camera_id=str(camera.pk), camera_run_id=str(run.pk), violation_id=str(violation.pk),
                        evidence_id=str(evidence.pk))


def _reports(world: World) -> None:
    from reports.models import ReportFile, ReportRun
    from reports.storage import write_file

    monday = date.today() - timedelta(days=date.today().weekday() + 14)
    for key in ("a", "b"):
        district = world.districts[key]
        run = ReportRun.objects.create(kind="weekly", area_level="district", area_code=district.code,
                                       area_name=district.name, area=district,
                                       org_unit=world.orgs[f"district_{key}"], first_day=monday,
                                       last_day=monday + timedelta(days=6), status=ReportRun.Status.DONE,
                                       figures={"incidents": 2})
        size, digest = write_file(f"{PREFIX}/{run.pk}.html", f"<h1>H11 report {key}</h1>".encode())
        ReportFile.objects.create(run=run, format="html", path=f"{PREFIX}/{run.pk}.html", size=size, sha256=digest)
        world.runs[key] = _keep(world, run)
    world.params.update(run_id=str(world.runs["a"].pk), report_area=world.districts["a"].code,
                        report_start=str(monday), report_end=str(monday + timedelta(days=6)))


def _planning(world: World) -> None:
    from geoprocessing.services import do_issue_sheet
    from layers.models import ImportJob, PlanDecision

    decision = PlanDecision(number="H11/QĐ-UBND", signed_on=date(2020, 1, 2), authority="UBND H11",
                            title="Quy hoạch H11", plan_level="1/2000", status="in_force")
    decision.document.save("h11.pdf", ContentFile(b"%PDF-1.4\n% h11 decision\n"), save=False)
    decision.save()
    _keep(world, decision)
    sheet = do_issue_sheet(parcel_id=int(world.variants["public"]["parcel_id"]), day=None, distance_m=50,
                           verify_url_for=lambda code: f"http://testserver/planning/verify/{code}/")
    world.made.append(sheet)
    job = ImportJob.objects.create(layer=world.layers["public"], created_by=world.users["steward_owner"],
                                   file_name="thua.geojson", file_path="/nonexistent/h11.geojson")
    world.params.update(decision_id=str(decision.pk), sheet_code=sheet.code, job_id=str(job.pk),
                        token_id=str(world.users["administrator"].api_tokens.first().pk))


def build_world(world: World, raster_file: Path) -> World:
    from django.contrib.sessions.models import Session

    world.sessions_before = set(Session.objects.values_list("session_key", flat=True))
    with world.settings():
        _orgs(world)
        _users(world)
        _layers(world, raster_file)
        _incidents(world)
        _chat(world)
        _cameras(world)
        _reports(world)
        _planning(world)
    _coordinates(world)
    world.params.update(world.variants["public"])
    return world


def _coordinates(world: World) -> None:
    """Where each variant's parcel is (a click, a tile), and the parameters of the remaining pages."""
    from layers.importing.runner import ImportOptions
    from layers.imports import store_upload
    from layers.models import LandParcel
    from layers.tiles.service import tile_of
    from layers.views import _SALT

    for variant in ("public", "internal", "restricted"):
        parcel = LandParcel.objects.get(pk=world.variants[variant]["parcel_id"])
        centre = parcel.geom.centroid
        _, x, y = tile_of(centre.x, centre.y, 15)
        world.variants[variant].update(lon=str(round(centre.x, 6)), lat=str(round(centre.y, 6)), z="15", x=str(x),
                                       y=str(y), sheet_no=parcel.sheet_no, parcel_no=parcel.parcel_no,
                                       bundle_area=parcel.commune.code, layer_pk=str(parcel.layer_id))
    _, x, y = tile_of(*PHAN_RANG, 10)
    world.params.update(rz="10", rx=str(x), ry=str(y), unit_id=str(world.districts["a"].pk), base="light",
                        icon="192", ckan="package_list", fmt="json", report_fmt="html")
    upload = store_upload("thua.geojson", [UPLOAD_GEOJSON], len(UPLOAD_GEOJSON))
    world.params["start_token"] = signing.dumps({
        "user": world.users["steward_owner"].pk, "layer": world.layers["public"].pk, "path": str(upload),
        "name": "thua.geojson", "options": ImportOptions().__dict__}, salt=_SALT)


UPLOAD_GEOJSON = (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ext_id":"U1",'
                  b'"sheet_no":"1","parcel_no":"2"},"geometry":{"type":"Polygon","coordinates":[[[108.99,11.56],'
                  b'[108.991,11.56],[108.991,11.561],[108.99,11.56]]]}}]}')


def remove_world(world: World) -> None:
    """Everything the world and the lean paths' tests committed, children first."""
    from django.contrib.sessions.models import Session

    from camera_analytics.models import AnalysisRun, CameraView
    from incidents.chat.models import Conversation
    from incidents.models import Incident, PinDropLink
    from layers.models import ImportJob, Layer

    orgs = list(world.orgs.values())
    layers = Layer.objects.filter(slug__startswith=f"{PREFIX}-")
    AnalysisRun.objects.filter(layer__in=layers).delete()
    CameraView.objects.filter(layer__in=layers).delete()
    ImportJob.objects.filter(layer__in=layers).delete()
    categories = [o.pk for o in world.made if type(o).__name__ == "Category"]
    Conversation.objects.filter(description__endswith="H11").delete()
    PinDropLink.objects.filter(draft__category__in=[world.params.get("category")]).delete()
    Incident.objects.filter(category_id__in=categories).delete()
    for obj in reversed(world.made):
        if not isinstance(obj, Incident):
            type(obj).objects.filter(pk=obj.pk).delete()
    layers.delete()
    # The matrix's clients' sessions, and those the served portal opened at its login form (signed with its own
    # key, so known only as new since the world was built).
    Session.objects.exclude(session_key__in=world.sessions_before).delete()
    for org in orgs:
        type(org).objects.filter(pk=org.pk).delete()
    shutil.rmtree(world.root, ignore_errors=True)

