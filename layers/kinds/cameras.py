"""The camera kind: position, heading and reach; the stream address is private."""

from layers.models import Camera
from layers.registry import Column, LayerKind, register

register(LayerKind(
    key="camera", model=Camera, theme="cameras", geometry="Point",
    columns=(
        Column("ext_id", label_vi="Mã", label_en="ID"),
        Column("name", label_vi="Tên", label_en="Name"),
        Column("kind", label_vi="Loại", label_en="Kind"),
        Column("status", label_vi="Trạng thái", label_en="Status"),
        Column("heading_deg", float, "Hướng nhìn (°)", "Heading (°)"),
        Column("view_angle_deg", float, "Góc nhìn (°)", "View angle (°)"),
        Column("range_m", float, "Tầm nhìn (m)", "Range (m)"),
        Column("stream_url", label_vi="Luồng video", label_en="Stream", public=False),
    ),
    tile_columns=("ext_id", "name", "kind", "status", "heading_deg"),
    default_style={"type": "circle", "paint": {"circle-radius": 5, "circle-color": "#ef476f",
                                               "circle-stroke-color": "#ffffff", "circle-stroke-width": 1}},
))
