"""A small generated province, imported for real and committed once for this package (the portal server and the
browser see it too), with a 2025 ward made of three 2009 wards; all removed again when the package is done."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.db.models import Union
from django.core.files.base import ContentFile
from django.db.models import Count
from django.test import override_settings

PREFIX = "plantest-"
MERGER = date(2025, 7, 1)
NEW_WARD = "Phường Phan Rang"
NEW_WARD_CODE = f"{PREFIX}phan-rang"
# slug suffix, kind, visibility, title
LAYERS = (
    ("thua-dat", "land_parcel", "public", "Thửa đất (thử)"),
    ("o-quy-hoach", "plan_zone", "public", "Ô quy hoạch (thử)"),
    ("ngam-diem", "network_node", "internal", "Điểm nút ngầm (thử)"),
    ("ngam-tuyen", "network_segment", "internal", "Tuyến ngầm (thử)"),
    ("cong-trinh-thuy-loi", "irrigation_work", "public", "Công trình thủy lợi (thử)"),
    ("kenh-muong", "canal", "public", "Kênh mương (thử)"),
    ("khu-tuoi", "irrigated_area", "public", "Khu tưới (thử)"),
)


@dataclass
class PlanningDemo:
    layers: dict  # kind -> Layer
    decisions: list
    merged: list  # the 2009 wards merged into the new ward
    new_ward: object
    raster_slug: str
    media_root: Path


def _clean(numbers=()):
    from geoprocessing.models import PlanningSheet
    from layers.models import AdminUnit, Layer, PlanDecision, PlanZone

    PlanningSheet.objects.filter(layer_slug__startswith=PREFIX).delete()
    numbers = {*numbers, *PlanZone.objects.filter(layer__slug__startswith=PREFIX).values_list("decision__number",
                                                                                              flat=True)}
    Layer.objects.filter(slug__startswith=PREFIX).delete()
    PlanDecision.objects.filter(number__in=numbers).delete()
    PlanDecision.objects.filter(number__startswith="PT-").delete()
    new = AdminUnit.objects.filter(code__startswith=PREFIX)
    old_ids = list(new.values_list("predecessions__predecessor_id", flat=True))
    new.delete()
    AdminUnit.objects.filter(pk__in=[pk for pk in old_ids if pk]).update(valid_to=None)


def _import(demo, tmp: Path):
    from fixtures.demo_province import decision_pdf, write_geopackage
    from layers.importing import ImportOptions, import_file
    from layers.models import Layer, PlanDecision

    decisions = []
    for decision in demo.plan_decisions:
        row = PlanDecision.objects.create(**decision)
        row.document.save(decision["number"].replace("/", "-") + ".pdf", ContentFile(decision_pdf(decision)))
        decisions.append(row)
    # The test database has no organisations: the operators' codes are left out.
    demo.network_segment["operator_code"] = ""
    demo.network_node["operator_code"] = ""
    gpkg = tmp / "demo.gpkg"
    write_geopackage(demo, gpkg)
    layers = {}
    for suffix, kind, visibility, title in LAYERS:
        layer = Layer.objects.create(slug=PREFIX + suffix, kind=kind, title_vi=title, title_en=title,
                                     theme=kind.split("_")[0] if kind != "land_parcel" else "planning",
                                     visibility=visibility)
        import_file(layer, gpkg, ImportOptions(source_layer=kind))
        layer.refresh_from_db()
        layers[kind] = layer
    return layers, decisions


def _merge_wards(parcel_layer):
    """The three 2009 wards holding most demo parcels become one ward on 1 July 2025 (as they did in reality,
    into differently named wards: the name here is the test's)."""
    from layers.models import AdminUnit, AdminUnitSuccession, LandParcel

    top = (LandParcel.objects.filter(layer=parcel_layer, commune__isnull=False).values("commune")
           .annotate(n=Count("pk")).order_by("-n")[:3])
    merged = list(AdminUnit.objects.filter(pk__in=[row["commune"] for row in top]).order_by("name"))
    geom = AdminUnit.objects.filter(pk__in=[u.pk for u in merged]).aggregate(g=Union("geom"))["g"]
    if geom.geom_type == "Polygon":
        from django.contrib.gis.geos import MultiPolygon

        geom = MultiPolygon(geom)
    new = AdminUnit.objects.create(level="commune", code=NEW_WARD_CODE, name=NEW_WARD, name_ascii="Phuong Phan Rang",
                                   valid_from=MERGER, source=PREFIX, geom=geom)
    for unit in merged:
        AdminUnitSuccession.objects.create(predecessor=unit, successor=new, effective=MERGER, kind="merge")
    AdminUnit.objects.filter(pk__in=[u.pk for u in merged]).update(valid_to=MERGER)
    return merged, new


HERE = Path(__file__).resolve().parent
_LIVE: dict = {}  # while this directory's tests run: the demo, the MEDIA_ROOT override and the db blocker


def _set_up(django_db_blocker, tmp_path_factory) -> PlanningDemo:
    from fixtures.demo_province import generate
    from layers.rasters import do_register_raster

    media = tmp_path_factory.mktemp("planning-media")
    media_override = override_settings(MEDIA_ROOT=media)
    media_override.enable()
    with django_db_blocker.unblock():
        demo = generate(parcels=1500, seed=11, boundaries_dir=settings.SHARED_DATA_DIR / "boundaries")
        _clean(d["number"] for d in demo.plan_decisions)
        layers, decisions = _import(demo, tmp_path_factory.mktemp("planning-demo"))
        merged, new = _merge_wards(layers["land_parcel"])
        raster = do_register_raster(
            path=settings.SHARED_DATA_DIR / "raster" / "ninhthuan_ppp_2020_1km_clip.tif", slug=PREFIX + "dan-so",
            title_vi="Dân số (thử)", title_en="Population (test)", unit="people", visibility="public")
    _LIVE.update(blocker=django_db_blocker, media=media_override)
    return PlanningDemo(layers=layers, decisions=decisions, merged=merged, new_ward=new,
                        raster_slug=raster.layer.slug, media_root=media)


@pytest.fixture(scope="session")
def _planning_data(admin_units, django_db_blocker, tmp_path_factory):
    """The first set-up, from a session fixture so that it happens outside any test's transaction."""
    if "demo" not in _LIVE:
        _LIVE["demo"] = _set_up(django_db_blocker, tmp_path_factory)


@pytest.fixture
def planning_demo(_planning_data, django_db_blocker, tmp_path_factory) -> PlanningDemo:
    """Committed while this directory's tests run, removed when the run leaves the directory
    (pytest_runtest_teardown below), so other packages' tests, which load demo data of their own, never meet it.
    pytest-django runs tests without a database last, so the browser tests come back to it: set up again."""
    from django.db import connection

    if "demo" not in _LIVE:
        if connection.in_atomic_block:
            pytest.fail("the planning demo was removed and cannot be committed again inside a test's transaction")
        _LIVE["demo"] = _set_up(django_db_blocker, tmp_path_factory)
    return _LIVE["demo"]


def _tear_down() -> None:
    if "demo" in _LIVE:
        with _LIVE["blocker"].unblock():
            _clean()
        _LIVE["media"].disable()
        _LIVE.clear()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    # After the item's own fixtures (its transaction) are gone, before the next directory's first test.
    if nextitem is not None and HERE not in Path(nextitem.path).resolve().parents:
        _tear_down()


@pytest.fixture(scope="session", autouse=True)
def _planning_demo_at_session_end(django_db_setup):
    # When this directory's tests are the session's last, the hook above has no next item: clean up before
    # the test database goes.
    yield
    _tear_down()


@pytest.fixture
def users(planning_demo, db):
    """One user per role, in the test's transaction; staff users belong to an agency."""
    from portal.accounts.models import OrgUnit
    from portal.accounts.roles import ROLES, sync_roles
    from portal.accounts.services import do_create_user

    sync_roles()
    org = OrgUnit.objects.create(code=f"{PREFIX}so-xay-dung", name="Sở Xây dựng (thử)", kind=OrgUnit.Kind.AGENCY)
    return {role: do_create_user(username=f"{PREFIX}{role}", password="not-a-secret-1", roles=[role],
                                 org_unit=None if role == "citizen" else org) for role in ROLES}
