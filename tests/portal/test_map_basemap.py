"""The OSM basemap: a real extract (Văn Miếu, Hà Nội) through the demo's own frames and the importer, into the
light and dark styles and into a vector tile with the features the file holds there."""

import gzip
import math
from urllib.parse import urlsplit

import geopandas as gpd
import mapbox_vector_tile
import pytest
from django.conf import settings
from django.test import Client
from shapely.geometry import box

from fixtures.demo_basemap import BASEMAP_LAYERS, basemap_frames, write_basemap
from layers.importing import ImportOptions, import_file
from layers.models import Layer

pytestmark = pytest.mark.django_db

# The z16 tile over Văn Miếu – Quốc Tử Giám: the Well of Heavenly Clarity, Khuê Văn Các, Phố Văn Miếu.
Z, X, Y = 16, 52034, 28850
PREFIX = "osmt-"
# The tile property each kind is drawn by (basemap_style matches on it), beside the name.
CLASS_OF = {"basemap_road": "highway", "basemap_building": "building", "basemap_water": "water",
            "basemap_landuse": "landuse", "basemap_place": "category"}
STYLE_TYPES = {"basemap_road": {"line", "symbol"}, "basemap_building": {"fill"}, "basemap_water": {"fill"},
               "basemap_landuse": {"fill"}, "basemap_place": {"symbol"}}


def _tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    n = 2**z

    def lat(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


@pytest.fixture
def osm_basemap(tmp_path) -> tuple[dict[str, Layer], dict[str, gpd.GeoDataFrame]]:
    """The OSM catalog entries (slugs prefixed) filled from the real extract around the tile, as the demo does."""
    west, south, east, north = _tile_bounds(Z, X, Y)
    around = box(west - 0.002, south - 0.002, east + 0.002, north + 0.002)
    frames = {kind: frame[frame.intersects(around)].reset_index(drop=True)
              for kind, frame in basemap_frames(settings.SHARED_DATA_DIR / "osm").items()}
    gpkg = tmp_path / "basemap.gpkg"
    write_basemap(frames, gpkg)
    layers = {}
    for entry in BASEMAP_LAYERS:
        if entry["kind"] not in CLASS_OF or entry["slug"] == "nen-duong-pho-mau":  # OSM entries only
            continue
        layer = Layer.objects.create(**{**entry, "slug": PREFIX + entry["slug"]})
        report = import_file(layer, gpkg, ImportOptions(source_layer=entry["kind"]))
        assert report.features_read == len(frames[entry["kind"]]) > 0, entry["kind"]
        layers[entry["kind"]] = layer
    return layers, frames


@pytest.mark.parametrize("base", ["light", "dark"])
def test_osm_roads_buildings_water_and_land_use_are_in_both_styles(osm_basemap, base):
    layers, _frames = osm_basemap
    style = Client().get(f"/map/style/{base}.json").json()
    tiles = urlsplit(style["sources"]["basemap"]["tiles"][0]).path
    by_source_layer: dict[str, set[str]] = {}
    for item in style["layers"]:
        if "source-layer" in item:
            assert item["source"] == "basemap"
            by_source_layer.setdefault(item["source-layer"], set()).add(item["type"])
    for kind, layer in layers.items():
        assert layer.slug in tiles, kind
        assert by_source_layer.get(layer.slug) == STYLE_TYPES[kind], kind
    # Drawn in order: land use under water under buildings under roads.
    order = [next(i for i, item in enumerate(style["layers"]) if item.get("source-layer") == layers[kind].slug)
             for kind in ("basemap_landuse", "basemap_water", "basemap_building", "basemap_road")]
    assert order == sorted(order)
    water = next(item for item in style["layers"] if item.get("source-layer") == layers["basemap_water"].slug)
    assert water["paint"]["fill-color"] == {"light": "#a9cfe0", "dark": "#0f3148"}[base]
    building = next(item for item in style["layers"] if item.get("source-layer") == layers["basemap_building"].slug)
    assert building["minzoom"] == 14


def test_an_osm_tile_holds_the_extracts_features_with_their_classes(osm_basemap):
    layers, frames = osm_basemap
    slugs = ",".join(layer.slug for layer in layers.values())
    response = Client().get(f"/tiles/{slugs}/{Z}/{X}/{Y}.mvt", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    body = response.content
    tile = mapbox_vector_tile.decode(gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body)
    west, south, east, north = _tile_bounds(Z, X, Y)
    inside, margin = box(west, south, east, north), box(west, south, east, north).buffer((east - west) * 0.02)
    for kind, layer in layers.items():
        frame, key = frames[kind], CLASS_OF[kind]
        found = {(f["properties"].get("name", ""), f["properties"].get(key, ""))
                 for f in tile[layer.slug]["features"]}
        # Every feature of the file on the tile is there; none from farther than the tile's margin.
        assert set(zip(frame[frame.intersects(inside)].name, frame[frame.intersects(inside)][key],
                       strict=True)) <= found, kind
        assert found <= set(zip(frame[frame.intersects(margin)].name, frame[frame.intersects(margin)][key],
                                strict=True)), kind
    names = {kind: {f["properties"].get("name") for f in tile[layer.slug]["features"]}
             for kind, layer in layers.items()}
    assert "Thiên Quang tỉnh" in names["basemap_water"] and "Khuê Văn Các" in names["basemap_building"]
    assert "Phố Văn Miếu" in names["basemap_road"] and "Văn Miếu - Quốc Tử Giám" in names["basemap_landuse"]
