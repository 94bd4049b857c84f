"""Two replace imports of one layer at once, each in a thread of its own with its own database session: each
loads its table beside its own transaction, so the second must wait for the first instead of dropping the table
the first is still indexing. Committed for real (the `committed` fixture), as a worker's imports are."""

import threading

import geopandas as gpd
import shapely
from django.db import connection, connections

from layers.importing import import_file
from layers.models import LandParcel, Layer


def _parcels(path, count: int, start: int = 0):
    cells = [shapely.box(108.9 + i * 1e-4, 11.5, 108.9 + i * 1e-4 + 8e-5, 11.50008) for i in range(count)]
    gpd.GeoDataFrame({"ext_id": [f"P{start + i}" for i in range(count)], "sheet_no": ["1"] * count,
                      "parcel_no": [str(start + i) for i in range(count)]}, geometry=cells, crs=4326).to_file(path)
    return path


def test_two_replaces_of_one_layer_at_once_take_turns(committed, tmp_path):
    layer = Layer.objects.create(slug="race-parcels", kind="land_parcel", title_vi="t", title_en="t",
                                 theme="planning")
    committed.append(layer)
    files = {5: _parcels(tmp_path / "five.gpkg", 5), 7: _parcels(tmp_path / "seven.gpkg", 7, start=100)}
    errors, reports = [], {}

    def replace(count: int) -> None:
        try:
            reports[count] = import_file(layer, files[count])
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=replace, args=(count,)) for count in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert {report.created for report in reports.values()} <= {5, 7} and len(reports) == 2
    stored = set(LandParcel.objects.filter(layer=layer).values_list("ext_id", flat=True))
    assert stored in ({f"P{i}" for i in range(5)}, {f"P{100 + i}" for i in range(7)})
    layer.refresh_from_db()
    assert layer.version == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"layers_landparcel_l{layer.pk}_load"])
        assert cursor.fetchone()[0] is None
