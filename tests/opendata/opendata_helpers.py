"""Small generated layers for the open-data tests: square parcels and pipes near Phan Rang-Tháp Chàm."""

from django.contrib.gis.geos import GEOSGeometry

from layers.models import LandParcel, Layer, NetworkSegment

ORIGIN = (108.99, 11.56)
STEP = 0.0004  # about 44 m


def parcel_layer(slug: str, *, count: int, visibility: str = "public") -> Layer:
    layer = Layer.objects.create(slug=slug, kind="land_parcel", title_vi=f"Thửa đất {slug}",
                                 title_en=f"Parcels {slug}", theme="planning", visibility=visibility,
                                 licence="CC BY 4.0", attribution="Sở TN&MT; dân số WorldPop (CC BY 4.0)",
                                 description="Thửa đất mẫu / sample parcels")
    rows = []
    for i in range(count):
        x, y = ORIGIN[0] + (i % 10) * STEP, ORIGIN[1] + (i // 10) * STEP
        s = STEP * 0.8
        rows.append(LandParcel(layer=layer, ext_id=f"P-{i:04d}", sheet_no=str(1 + i // 50), parcel_no=str(i + 1),
                               address=f"{i} đường Thống Nhất", holder_name=f"Nguyễn Thị Hạnh {i}",
                               holder_id=f"CCCD-{i:09d}", legal_area_m2=100.0 + i,
                               geom=GEOSGeometry(f"SRID=4326;MULTIPOLYGON((({x} {y},{x + s} {y},{x + s} {y + s},"
                                                 f"{x} {y + s},{x} {y})))")))
    LandParcel.objects.bulk_create(rows)
    return layer


def pipe_layer(slug: str, *, count: int, visibility: str = "internal") -> Layer:
    layer = Layer.objects.create(slug=slug, kind="network_segment", title_vi=f"Ống {slug}", title_en=f"Pipes {slug}",
                                 theme="underground", visibility=visibility)
    NetworkSegment.objects.bulk_create([NetworkSegment(
        layer=layer, ext_id=f"W-{i}", network="water", geom=GEOSGeometry(
            f"SRID=4326;LINESTRING({ORIGIN[0] + i * STEP} {ORIGIN[1]},{ORIGIN[0] + i * STEP} {ORIGIN[1] + STEP})"))
        for i in range(count)])
    return layer
