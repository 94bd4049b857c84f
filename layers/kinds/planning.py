"""Planning kinds: cadastral parcels and plan zones."""

from layers.models import LandParcel, PlanZone
from layers.registry import Column, LayerKind, register

register(LayerKind(
    key="land_parcel", model=LandParcel, theme="planning", geometry="Polygon",
    columns=(
        Column("ext_id", label_vi="Mã", label_en="ID"),
        Column("sheet_no", label_vi="Số tờ", label_en="Map sheet"),
        Column("parcel_no", label_vi="Số thửa", label_en="Parcel"),
        Column("legal_area_m2", float, "Diện tích pháp lý (m²)", "Registered area (m²)"),
        Column("land_use_code", label_vi="Loại đất", label_en="Land use", references="LandUseCode",
               path="land_use_code_id", attname="land_use_code"),
        Column("address", label_vi="Địa chỉ", label_en="Address"),
        Column("holder_name", label_vi="Chủ sử dụng", label_en="Holder", public=False),
        Column("holder_id", label_vi="Số giấy tờ", label_en="Holder ID", public=False),
    ),
    computed=("area_m2",),
    tile_columns=("ext_id", "sheet_no", "parcel_no", "land_use_code"),
    default_style={"type": "fill", "paint": {"fill-color": "#f2d7a6", "fill-opacity": 0.5,
                                             "fill-outline-color": "#8a6d3b"}},
))

register(LayerKind(
    key="plan_zone", model=PlanZone, theme="planning", geometry="Polygon",
    columns=(
        Column("ext_id", label_vi="Mã", label_en="ID"),
        Column("plan_level", label_vi="Cấp quy hoạch", label_en="Plan scale"),
        Column("zone_code", label_vi="Ký hiệu ô", label_en="Zone"),
        Column("function", label_vi="Chức năng", label_en="Function"),
        Column("land_use_code", label_vi="Loại đất quy hoạch", label_en="Planned land use",
               references="LandUseCode", path="land_use_code_id", attname="land_use_code"),
        Column("max_density_pct", float, "Mật độ xây dựng tối đa (%)", "Max building density (%)"),
        Column("max_floors", int, "Tầng cao tối đa", "Max floors"),
        Column("max_height_m", float, "Chiều cao tối đa (m)", "Max height (m)"),
        Column("far", float, "Hệ số sử dụng đất", "Floor area ratio"),
        Column("decision_number", label_vi="Quyết định", label_en="Decision", references="PlanDecision",
               path="decision__number", attname="decision_id"),
    ),
    computed=("area_m2",),
    tile_columns=("zone_code", "land_use_code", "max_floors", "max_density_pct"),
    default_style={"type": "fill", "paint": {"fill-color": "#e07a5f", "fill-opacity": 0.35,
                                             "fill-outline-color": "#9c3d23"}},
))
