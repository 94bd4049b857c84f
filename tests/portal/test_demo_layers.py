"""`make run`'s demo: the generated province goes through the real importer into every catalogued layer."""

import pytest
from django.core.management import call_command

from fixtures.demo_catalog import DEMO_LAYERS
from layers.models import Camera, Canal, LandParcel, Layer, NetworkSegment, PlanDecision, PlanZone

pytestmark = pytest.mark.django_db


def test_demo_province_loads_every_layer_once(admin_units, settings, tmp_path, capsys):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", parcels=3000)
    for entry in DEMO_LAYERS:
        layer = Layer.objects.get(slug=entry["slug"])
        assert layer.version == 2, entry["slug"]
        assert layer.owner is not None and layer.owner.code == entry["owner_code"]
    parcels = LandParcel.objects.filter(layer__slug="demo-thua-dat")
    assert parcels.count() == 3000
    assert parcels.filter(commune__isnull=False).count() > 0.9 * 3000  # a few fall in slivers between communes
    assert not NetworkSegment.objects.filter(from_node__isnull=True).exists()
    assert not NetworkSegment.objects.filter(to_node__isnull=True).exists()
    assert Canal.objects.filter(from_work__isnull=False).exists()
    assert Camera.objects.count() == 42 and not Camera.objects.filter(fov__isnull=True).exists()
    assert all(camera.fov.contains(camera.geom) or camera.fov.touches(camera.geom) for camera in Camera.objects.all())
    decisions = PlanDecision.objects.all()
    assert decisions.exists() and all(d.document.read(4) == b"%PDF" for d in decisions)
    assert not PlanZone.objects.filter(decision__isnull=True).exists()
    capsys.readouterr()
    call_command("load_demo", parcels=3000)
    assert "demo layers loaded" not in capsys.readouterr().out
    assert Layer.objects.get(slug="demo-thua-dat").version == 2
