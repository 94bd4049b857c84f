"""Loading the demo: real admin units from ../shared/data, the demo province's organisations, a user per role."""

import secrets
from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from fixtures.admin_units import DEMO_ADMIN_SOURCES
from fixtures.org_units import AGENCIES, DEMO_USER_ORG, PROVINCE_IOC
from layers.admin_units_import import FieldMapping, import_admin_units
from layers.models import AdminUnit
from portal.accounts.models import OrgUnit, User
from portal.accounts.roles import ADMINISTRATOR, ROLES, sync_roles
from portal.accounts.services import do_create_user

__all__ = ["load_admin_units", "load_org_units", "create_demo_users", "load_demo_layers", "load_basemap"]

DEMO_PROVINCE = "Ninh Thuận"


def load_admin_units(boundaries: Path, log: Callable[[str], None]) -> None:
    for src in DEMO_ADMIN_SOURCES:
        if AdminUnit.objects.filter(source=src.file).exists():
            continue
        path = boundaries / src.file
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: the demo reads ../shared/data (set SHARED_DATA_DIR)")
        report = import_admin_units(path, level=src.level, mapping=FieldMapping.parse(list(src.mapping)),
                                    code_prefix=src.code_prefix)
        log(report.summary())


@transaction.atomic
def load_org_units() -> None:
    province = AdminUnit.objects.filter(level="province", name=DEMO_PROVINCE).first()
    ioc, _ = OrgUnit.objects.update_or_create(
        code=PROVINCE_IOC[0], defaults={"name": PROVINCE_IOC[1], "kind": OrgUnit.Kind.PROVINCE_IOC,
                                        "admin_unit": province})
    for district in AdminUnit.objects.filter(level="district", parent=province):
        OrgUnit.objects.update_or_create(
            code=f"ioc-{slugify(district.name_ascii)}",
            defaults={"name": f"IOC {district.name}", "kind": OrgUnit.Kind.DISTRICT_IOC, "parent": ioc,
                      "admin_unit": district})
    for code, name in AGENCIES:
        OrgUnit.objects.update_or_create(
            code=code, defaults={"name": name, "kind": OrgUnit.Kind.AGENCY, "parent": ioc, "admin_unit": province})


def create_demo_users() -> dict[str, str]:
    """One user per role; returns the passwords of the users created now (existing ones keep theirs)."""
    sync_roles()
    created = {}
    for role in ROLES:
        username = f"demo-{role.replace('_', '-')}"
        if User.objects.filter(username=username).exists():
            continue
        org_code = DEMO_USER_ORG[role]
        org = OrgUnit.objects.get(code=org_code) if org_code else None
        password = secrets.token_urlsafe(12)
        do_create_user(username=username, password=password, roles=[role], org_unit=org,
                       is_staff=role == ADMINISTRATOR)
        created[username] = password
    return created


# Nodes before segments and works before canals, so each import can join lines to the points at their ends.
_IMPORT_ORDER = ("network_node", "network_segment", "irrigation_work", "canal", "irrigated_area", "plan_zone",
                 "land_parcel", "camera")


def load_demo_layers(data_dir: Path, log: Callable[[str], None], *, parcels: int = 10_000) -> bool:
    """Generate the demo province and import it through the same importer users have; False if already there."""
    import tempfile

    from django.core.files.base import ContentFile

    from fixtures.demo_basemap import BASEMAP_LAYERS, write_basemap
    from fixtures.demo_catalog import DEMO_LAYERS
    from fixtures.demo_province import decision_pdf, generate, write_geopackage
    from layers.importing import ImportOptions, import_file
    from layers.models import Layer, PlanDecision

    streets_entry = next(entry for entry in BASEMAP_LAYERS if entry["slug"] == "nen-duong-pho-mau")
    slugs = [entry["slug"] for entry in DEMO_LAYERS] + [streets_entry["slug"]]
    if Layer.objects.filter(slug__in=slugs, version__gt=1).count() == len(slugs):
        return False
    demo = generate(parcels=parcels, boundaries_dir=data_dir / "boundaries")
    for decision in demo.plan_decisions:
        row, created = PlanDecision.objects.update_or_create(
            number=decision["number"], defaults={k: v for k, v in decision.items() if k != "number"})
        if created or not row.document:
            name = decision["number"].replace("/", "-") + ".pdf"
            row.document.save(name, ContentFile(decision_pdf(decision)), save=True)
    entries = {entry["kind"]: entry for entry in DEMO_LAYERS}
    with tempfile.TemporaryDirectory() as tmp:
        gpkg = Path(tmp) / "demo.gpkg"
        write_geopackage(demo, gpkg)
        for kind in _IMPORT_ORDER:
            entry = entries[kind]
            fields = {k: v for k, v in entry.items() if k not in ("slug", "owner_code")}
            fields["owner"] = OrgUnit.objects.filter(code=entry["owner_code"]).first()
            layer, _ = Layer.objects.update_or_create(slug=entry["slug"], defaults=fields)
            report = import_file(layer, gpkg, ImportOptions(source_layer=kind))
            log(f"{layer.slug}: {report.created + report.updated} features (v{report.version})")
        # The streets the parcels were laid along are the basemap's roads in Phan Rang (no OSM extract there).
        streets = Path(tmp) / "streets.gpkg"
        write_basemap(_street_frames(demo.streets), streets)
        layer, _ = Layer.objects.update_or_create(slug=streets_entry["slug"], defaults={
            k: v for k, v in streets_entry.items() if k != "slug"})
        report = import_file(layer, streets, ImportOptions(source_layer="demo_streets"))
        log(f"{layer.slug}: {report.created + report.updated} features (v{report.version})")
    return True


def _street_frames(streets):
    from fixtures.demo_basemap import street_frame

    return {"demo_streets": street_frame(streets)}


def load_basemap(osm_dir: Path, log: Callable[[str], None]) -> bool:
    """The basemap's catalog layers; OSM extracts imported through the importer. False if already there."""
    import tempfile

    from fixtures.demo_basemap import BASEMAP_LAYERS, basemap_frames, write_basemap
    from layers.importing import ImportOptions, import_file
    from layers.models import Layer

    done = True
    for entry in BASEMAP_LAYERS:
        if entry["kind"].startswith("admin_"):  # shows AdminUnit: nothing to import
            Layer.objects.update_or_create(slug=entry["slug"], defaults={k: v for k, v in entry.items() if k != "slug"})
        elif entry["slug"] != "nen-duong-pho-mau":  # the demo streets come with the demo province
            done &= Layer.objects.filter(slug=entry["slug"], version__gt=1).exists()
    if done:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        gpkg = Path(tmp) / "basemap.gpkg"
        write_basemap(basemap_frames(osm_dir), gpkg)
        for entry in BASEMAP_LAYERS:
            if entry["kind"].startswith("admin_") or entry["slug"] == "nen-duong-pho-mau":
                continue
            layer, _ = Layer.objects.update_or_create(slug=entry["slug"], defaults={
                k: v for k, v in entry.items() if k != "slug"})
            report = import_file(layer, gpkg, ImportOptions(source_layer=entry["kind"]))
            log(f"{layer.slug}: {report.created + report.updated} features (v{report.version})")
    return True
