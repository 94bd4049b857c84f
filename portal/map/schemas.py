"""Schemas of the map API."""

from ninja import Field, Schema

__all__ = ["SearchQuery", "HitOut", "SearchOut", "IdentifyQuery", "AttributeOut", "LinkOut", "FeatureOut",
           "IdentifyOut"]


class SearchQuery(Schema):
    q: str = Field(..., max_length=200, description="a place name, 'tờ 12 thửa 345', 'lat, lon' or VN-2000 'X Y'")


class HitOut(Schema):
    kind: str = Field(..., description="coordinates, parcel, province, district or commune")
    title: str
    subtitle: str
    lon: float
    lat: float
    bbox: list[float] | None = Field(None, description="west, south, east, north (WGS 84)")
    layer: str = ""
    feature: str = ""


class SearchOut(Schema):
    query: str
    results: list[HitOut]


class IdentifyQuery(Schema):
    lon: float
    lat: float
    zoom: float = Field(..., description="the map's zoom: how far from the point a line or point still counts")
    layers: str = Field(..., max_length=2000, description="comma-separated layer slugs; unknown ones are ignored")


class AttributeOut(Schema):
    name: str
    label: str
    value: str | int | float | bool


class LinkOut(Schema):
    title: str
    url: str


class FeatureOut(Schema):
    layer: str
    layer_title: str
    id: str | None
    attributes: list[AttributeOut]
    links: list[LinkOut]
    geometry: dict | None


class IdentifyOut(Schema):
    features: list[FeatureOut]
