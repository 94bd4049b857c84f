"""Loading the demo's incident categories, routing rules and reports (fixtures.demo_incidents), idempotently.

Reports go through the same intake as citizens' (routing, deadline, events), then along the lifecycle with the
demo dispatcher, so the demo shows every state. Their place is seeded around Phan Rang-Tháp Chàm."""

import io
import random
from collections.abc import Callable
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from fixtures.demo_incidents import ATTRIBUTES, CATEGORIES, REPORTS, RULES, STAFF_ONLY
from layers.models import AdminUnit
from portal.accounts.models import OrgUnit, User

from . import services
from .conf import conf
from .errors import OutsideProvince
from .intake import Report, check_report, do_submit_incident
from .models import Category, CategoryAttribute, Incident, RoutingRule

__all__ = ["load_incident_setup", "load_demo_incidents"]

_CENTRE = (108.988, 11.567)  # Phan Rang-Tháp Chàm


@transaction.atomic
def load_incident_setup() -> None:
    for order, (code, name_vi, name_en, group, days, network, radius, public) in enumerate(CATEGORIES):
        Category.objects.update_or_create(code=code, defaults={
            "name_vi": name_vi, "name_en": name_en, "group": group, "deadline_days": days, "network": network,
            "network_radius_m": radius, "public_by_default": public, "order": order,
            "citizen_reportable": code not in STAFF_ONLY})
    for order, (category, code, datatype, required, description, values) in enumerate(ATTRIBUTES):
        CategoryAttribute.objects.update_or_create(
            category=Category.objects.get(code=category), code=code, defaults={
                "datatype": datatype, "required": required, "description": description, "order": order,
                "values": [{"key": k, "name": n} for k, n in values]})
    province = AdminUnit.objects.filter(level="province", name=conf.PROVINCE).first()
    for name, codes, agency_code, priority in RULES:
        agency = OrgUnit.objects.filter(code=agency_code).first()
        if agency is None:
            continue
        for code in codes:
            RoutingRule.objects.update_or_create(
                name=name, category=Category.objects.get(code=code),
                defaults={"agency": agency, "priority": priority, "admin_unit": province})


def _photo(seed: int) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (480, 360), (60 + seed * 13 % 150, 140, 90)).save(out, "JPEG", quality=85)
    return SimpleUploadedFile(f"ket-qua-{seed}.jpg", out.getvalue())


def _advance(incident: Incident, stage: str, dispatcher: User, seed: int) -> None:
    if stage == "submitted":
        return
    if incident.status == "submitted":
        services.do_accept(incident=incident, actor=dispatcher)
    if stage == "accepted":
        return
    incident.refresh_from_db()
    if incident.agency_id is None:
        agency = OrgUnit.objects.filter(kind=OrgUnit.Kind.AGENCY).order_by("code").first()
        services.do_assign(incident=incident, actor=dispatcher, agency=agency, reason="demo")
    services.do_start(incident=incident, actor=dispatcher, note="Đã cử cán bộ kiểm tra hiện trường.")
    if stage == "resolved":
        services.do_resolve(incident=incident, actor=dispatcher, note="Đã khắc phục xong.", uploads=[_photo(seed)])


def load_demo_incidents(log: Callable[[str], None], *, seed: int = 8) -> int:
    """The demo reports; 0 when they are there already (or there is no demo dispatcher yet)."""
    if Incident.objects.filter(extra__demo=True).exists():
        return 0
    dispatcher = User.objects.filter(username="demo-dispatcher").first()
    if dispatcher is None:
        return 0
    rng = random.Random(seed)  # noqa: S311 - seeded demo places, not secrets
    made = 0
    for i, (category, description, attributes, days_ago, stage) in enumerate(REPORTS):
        for _attempt in range(20):
            lon, lat = _CENTRE[0] + rng.uniform(-0.03, 0.03), _CENTRE[1] + rng.uniform(-0.025, 0.025)
            report = Report(category=category, description=description, channel=rng.choice(["web", "app", "hotline"]),
                            lon=lon, lat=lat, attributes=attributes, extra={"demo": True},
                            created_at=timezone.now() - timedelta(days=days_ago, hours=rng.randint(0, 8)))
            try:
                checked = check_report(report)
            except OutsideProvince:
                continue  # drawn at sea: draw again
            incident = do_submit_incident(checked)
            _advance(incident, stage, dispatcher, i)
            made += 1
            break
    log(f"demo incidents: {made}")
    return made
