"""For tests of tiles served by a running portal: a row of small parcels imported as a layer, and a plain GET."""

import urllib.request
from pathlib import Path
from urllib.error import HTTPError

import geopandas as gpd
import shapely

from layers.importing import import_file
from layers.models import Layer

__all__ = ["CENTRE", "parcel_row", "parcel_layer", "get"]

CENTRE = (108.99, 11.565)  # in Phan Rang-Tháp Chàm


def parcel_row(path: Path, *, count: int, prefix: str) -> Path:
    """`count` parcels about 20 m wide, 30 m apart, eastwards from CENTRE, written to a GeoPackage; ext_ids prefix+i."""
    cells = [shapely.box(CENTRE[0] + i * 3e-4, CENTRE[1], CENTRE[0] + i * 3e-4 + 2e-4, CENTRE[1] + 2e-4)
             for i in range(count)]
    gpd.GeoDataFrame({"ext_id": [f"{prefix}{i}" for i in range(count)], "sheet_no": ["1"] * count,
                      "parcel_no": [str(i) for i in range(count)]}, geometry=cells, crs=4326).to_file(path)
    return path


def parcel_layer(slug: str, source: Path, committed: list, *, visibility: str = "public") -> Layer:
    """A parcel layer with `source` imported; listed in `committed` before the import, so it is removed even if
    the import fails."""
    layer = Layer.objects.create(slug=slug, kind="land_parcel", title_vi="t", title_en="t", theme="planning",
                                 visibility=visibility)
    committed.append(layer)
    import_file(layer, source)
    return layer


def get(url: str, **headers) -> tuple[int, dict, bytes]:
    """(status, headers with lower-case names, body) of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=20) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()
