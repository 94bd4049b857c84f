"""Underground network kinds: nodes and segments of water, drainage, sewer, power and telecom."""

from layers.models import NetworkNode, NetworkSegment
from layers.registry import Column, LayerKind, register

_OPERATOR = Column("operator_code", label_vi="Đơn vị quản lý", label_en="Operator", references="OrgUnit",
                   path="operator__code", attname="operator_id")
_NETWORK = Column("network", label_vi="Mạng lưới", label_en="Network")
_CONDITION = Column("condition", label_vi="Tình trạng", label_en="Condition")

register(LayerKind(
    key="network_node", model=NetworkNode, theme="underground", geometry="Point",
    columns=(
        Column("ext_id", label_vi="Mã", label_en="ID"), _NETWORK,
        Column("node_type", label_vi="Loại", label_en="Type"),
        Column("depth_m", float, "Độ sâu (m)", "Depth (m)"),
        Column("install_year", int, "Năm lắp đặt", "Installed"), _OPERATOR, _CONDITION,
    ),
    tile_columns=("ext_id", "network", "node_type", "condition"),
    default_style={"type": "circle", "paint": {"circle-radius": 3, "circle-color": "#1d3557"}},
))

register(LayerKind(
    key="network_segment", model=NetworkSegment, theme="underground", geometry="LineString",
    columns=(
        Column("ext_id", label_vi="Mã", label_en="ID"), _NETWORK,
        Column("depth_m", float, "Độ sâu (m)", "Depth (m)"),
        Column("diameter_mm", int, "Đường kính (mm)", "Diameter (mm)"),
        Column("section", label_vi="Tiết diện", label_en="Section"),
        Column("material", label_vi="Vật liệu", label_en="Material"),
        Column("install_year", int, "Năm lắp đặt", "Installed"), _OPERATOR, _CONDITION,
    ),
    computed=("length_m",),
    tile_columns=("ext_id", "network", "diameter_mm", "material", "condition"),
    default_style={"type": "line", "paint": {"line-width": 2, "line-color": [
        "match", ["get", "network"], "water", "#0077b6", "drainage", "#6a994e", "sewer", "#7f4f24",
        "power", "#e63946", "telecom", "#9d4edd", "#555555"]}},
))
