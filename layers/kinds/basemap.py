"""Basemap kinds: OSM roads, buildings, water, land use and places; administrative units (read-only views)."""

from layers.models import (
    AdminArea,
    AdminLabel,
    BasemapBuilding,
    BasemapLandUse,
    BasemapPlace,
    BasemapRoad,
    BasemapWater,
)
from layers.registry import Column, LayerKind, register

_NAME = Column("name", label_vi="Tên", label_en="Name")
_ID = Column("ext_id", label_vi="Mã OSM", label_en="OSM id")

register(LayerKind(
    key="basemap_road", model=BasemapRoad, theme="basemap", geometry="LineString",
    columns=(_ID, _NAME, Column("highway", label_vi="Cấp đường", label_en="Road class"),
             Column("ref", label_vi="Số hiệu đường", label_en="Road number")),
    computed=("length_m",),
    tile_columns=("name", "highway", "ref"),
    default_style={"type": "line", "paint": {"line-color": "#9aa3ad", "line-width": 1.5}},
))

register(LayerKind(
    key="basemap_building", model=BasemapBuilding, theme="basemap", geometry="Polygon",
    columns=(_ID, _NAME, Column("building", label_vi="Loại nhà", label_en="Building type"),
             Column("levels", int, "Số tầng", "Floors")),
    computed=("area_m2",),
    tile_columns=("name", "building", "levels"),
    default_style={"type": "fill", "paint": {"fill-color": "#d9d0c9", "fill-outline-color": "#bfb4aa"}},
))

register(LayerKind(
    key="basemap_water", model=BasemapWater, theme="basemap", geometry="Polygon",
    columns=(_ID, _NAME, Column("water", label_vi="Loại mặt nước", label_en="Water type")),
    computed=("area_m2",),
    tile_columns=("name", "water"),
    default_style={"type": "fill", "paint": {"fill-color": "#a8cfe0"}},
))

register(LayerKind(
    key="basemap_landuse", model=BasemapLandUse, theme="basemap", geometry="Polygon",
    columns=(_ID, _NAME, Column("landuse", label_vi="Sử dụng đất (OSM)", label_en="Land use (OSM)")),
    computed=("area_m2",),
    tile_columns=("name", "landuse"),
    default_style={"type": "fill", "paint": {"fill-color": "#e3ecd6", "fill-opacity": 0.8}},
))

register(LayerKind(
    key="basemap_place", model=BasemapPlace, theme="basemap", geometry="Point",
    columns=(_ID, _NAME, Column("category", label_vi="Loại địa điểm", label_en="Category")),
    tile_columns=("name", "category"),
    default_style={"type": "circle", "paint": {"circle-radius": 3, "circle-color": "#7a6f9b"}},
))

# Read from AdminUnit through views: imported with `manage.py import_admin_units`, never through a layer.
_ADMIN_COLUMNS = (
    Column("ext_id", label_vi="Mã", label_en="Code", importable=False),
    Column("level", label_vi="Cấp", label_en="Level", importable=False),
    Column("name", label_vi="Tên", label_en="Name", importable=False),
    Column("name_ascii", label_vi="Tên không dấu", label_en="Name (ASCII)", importable=False),
    Column("population", int, "Dân số (2009)", "Population (2009)", importable=False),
)

register(LayerKind(
    key="admin_area", model=AdminArea, theme="admin", geometry="Polygon", columns=_ADMIN_COLUMNS,
    tile_columns=("ext_id", "level", "name"),
    default_style={"type": "line", "paint": {"line-color": "#8d6e97", "line-width": 1,
                                             "line-dasharray": [3, 2]}},
))

register(LayerKind(
    key="admin_label", model=AdminLabel, theme="admin", geometry="Point", columns=_ADMIN_COLUMNS,
    tile_columns=("level", "name", "population"),
    default_style={"type": "symbol", "layout": {"text-field": ["get", "name"], "text-size": 12,
                                                "text-font": ["NotoSans-Regular"]},
                   "paint": {"text-color": "#5b4a63", "text-halo-color": "#ffffff", "text-halo-width": 1.2}},
))
