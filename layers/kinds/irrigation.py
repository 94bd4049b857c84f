"""Irrigation kinds: canals, works (pumping stations, sluices, junctions) and irrigated areas."""

from layers.models import Canal, IrrigatedArea, IrrigationWork
from layers.registry import Column, LayerKind, register

register(LayerKind(
    key="irrigation_work", model=IrrigationWork, theme="irrigation", geometry="Point",
    columns=(
        Column("ext_id", label_vi="Mã", label_en="ID"),
        Column("name", label_vi="Tên", label_en="Name"),
        Column("kind", label_vi="Loại công trình", label_en="Kind"),
        Column("capacity_m3h", float, "Công suất (m³/h)", "Capacity (m³/h)"),
        Column("status", label_vi="Trạng thái", label_en="Status"),
        Column("gate_open", bool, "Cửa cống mở", "Gate open"),
    ),
    tile_columns=("ext_id", "name", "kind", "status", "gate_open"),
    default_style={"type": "circle", "paint": {"circle-radius": 5, "circle-color": "#2a9d8f"}},
))

register(LayerKind(
    key="canal", model=Canal, theme="irrigation", geometry="LineString",
    columns=(
        Column("ext_id", label_vi="Mã", label_en="ID"),
        Column("name", label_vi="Tên kênh", label_en="Name"),
        Column("level", int, "Cấp kênh", "Canal level"),
        Column("capacity_m3s", float, "Lưu lượng thiết kế (m³/s)", "Design flow (m³/s)"),
        Column("lining", label_vi="Kết cấu", label_en="Lining"),
    ),
    computed=("length_m",),
    tile_columns=("ext_id", "name", "level", "lining"),
    default_style={"type": "line", "paint": {"line-color": "#00b4d8",
                                             "line-width": ["match", ["get", "level"], 1, 4, 2, 2.5, 1.5]}},
))

register(LayerKind(
    key="irrigated_area", model=IrrigatedArea, theme="irrigation", geometry="Polygon",
    columns=(
        Column("ext_id", label_vi="Mã", label_en="ID"),
        Column("name", label_vi="Tên khu tưới", label_en="Name"),
        Column("crop", label_vi="Cây trồng", label_en="Crop"),
    ),
    computed=("area_m2",),
    tile_columns=("ext_id", "name", "crop"),
    default_style={"type": "fill", "paint": {"fill-color": "#90e0ef", "fill-opacity": 0.3}},
))
