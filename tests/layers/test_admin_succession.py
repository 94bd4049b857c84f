"""Units change: a new frame from 1 July 2025 sits beside the old one, and lookups name both."""

import csv
import json
from datetime import date

import pytest
from django.contrib.gis.db.models import Union

from layers.admin_units_import import FieldMapping, import_admin_units
from layers.errors import UnknownUnits
from layers.models import AdminUnit
from layers.successions_import import import_successions

pytestmark = pytest.mark.django_db

MERGER = date(2025, 7, 1)
PO_KLONG_GARAI = {"lon": 108.9497, "lat": 11.5992}


def _write_csv(path, rows):
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["old_level", "old_code", "new_level", "new_code", "effective",
                                                    "kind"])
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def new_frame(admin_units, tmp_path):
    """Khánh Hòa after the 2025 merger, made from the real outlines of Khánh Hòa and Ninh Thuận."""
    merged = AdminUnit.objects.filter(level="province", name__in=["Khánh Hòa", "Ninh Thuận"]).aggregate(
        geom=Union("geom"))["geom"]
    path = tmp_path / "provinces_2025.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"ma": "56", "ten": "Tỉnh Khánh Hòa"}, "geometry": json.loads(merged.json)}]}))
    import_admin_units(path, level="province", mapping=FieldMapping.parse(["code=ma", "name=ten", "gso_code=ma"]),
                       valid_from=MERGER, srid=4326)
    ninh_thuan = AdminUnit.objects.get(level="province", name="Ninh Thuận")
    khanh_hoa_old = AdminUnit.objects.get(level="province", name="Khánh Hòa")
    districts = AdminUnit.objects.filter(level="district", parent=ninh_thuan)
    rows = [{"old_level": "province", "old_code": unit.code, "new_level": "province", "new_code": "56",
             "effective": MERGER.isoformat(), "kind": "merge"} for unit in (ninh_thuan, khanh_hoa_old)]
    rows += [{"old_level": "district", "old_code": d.code, "new_level": "", "new_code": "",
              "effective": MERGER.isoformat(), "kind": "abolish"} for d in districts]
    report = import_successions(_write_csv(tmp_path / "succession.csv", rows))
    assert (report.links, report.closed) == (2, 2 + districts.count())
    return report


def test_today_answers_with_the_new_unit_and_names_the_old(client, new_frame):
    body = client.get("/api/admin-units/at", PO_KLONG_GARAI).json()
    assert body["province"]["name"] == "Tỉnh Khánh Hòa"
    assert body["province"]["valid_from"] == "2025-07-01"
    assert {p["unit"]["name"] for p in body["province"]["predecessors"]} == {"Ninh Thuận", "Khánh Hòa"}
    assert body["district"] is None  # the district level ended on 1 July 2025


def test_a_past_date_answers_with_the_old_unit_and_names_the_new(client, new_frame):
    body = client.get("/api/admin-units/at", {**PO_KLONG_GARAI, "date": "2020-05-01"}).json()
    assert body["province"]["name"] == "Ninh Thuận"
    assert body["province"]["valid_to"] == "2025-07-01"
    [successor] = body["province"]["successors"]
    assert successor["unit"]["name"] == "Tỉnh Khánh Hòa"
    assert successor["effective"] == "2025-07-01"
    assert body["district"]["name"] == "Thành phố Phan Rang-Tháp Chàm"
    day_before = client.get("/api/admin-units/at", {**PO_KLONG_GARAI, "date": "2025-06-30"}).json()
    assert day_before["province"]["name"] == "Ninh Thuận"


def test_unknown_unit_in_succession_table_changes_nothing(admin_units, tmp_path):
    ninh_thuan = AdminUnit.objects.get(level="province", name="Ninh Thuận")
    path = _write_csv(tmp_path / "bad.csv", [
        {"old_level": "province", "old_code": ninh_thuan.code, "new_level": "province", "new_code": "does-not-exist",
         "effective": "2025-07-01", "kind": "merge"}])
    with pytest.raises(UnknownUnits, match="does-not-exist"):
        import_successions(path)
    ninh_thuan.refresh_from_db()
    assert ninh_thuan.valid_to is None
