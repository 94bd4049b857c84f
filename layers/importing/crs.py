"""Which coordinate reference system a file is in: its own, an EPSG code, or VN-2000 named by province.

Vietnamese survey data often comes without a .prj, in VN-2000 on the province's own TM-3 zone
(a transverse Mercator on the province's central meridian, scale 0.9999). The province names
its zone; pyproj carries the national 7-parameter shift to WGS 84.
"""

from pyproj import CRS
from pyproj.exceptions import CRSError

from layers.errors import NoCrs
from layers.names import ascii_name

__all__ = ["VN2000_TM3_BY_PROVINCE", "vn2000_crs", "resolve_crs"]

# Province (ASCII, lower case) -> EPSG code of its VN-2000 / TM-3 zone. Add provinces as their
# meridians are confirmed; a zone not in EPSG can still be given as --srid with a PROJ string.
VN2000_TM3_BY_PROVINCE = {
    "ninh thuan": 9217,  # 108°15'
    "khanh hoa": 9217,  # 108°15'
    "binh thuan": 9218,  # 108°30'
}


def vn2000_crs(province: str) -> CRS:
    key = ascii_name(province).lower().removeprefix("tinh ").strip()
    try:
        return CRS.from_epsg(VN2000_TM3_BY_PROVINCE[key])
    except KeyError:
        known = ", ".join(sorted(VN2000_TM3_BY_PROVINCE))
        raise NoCrs(f"no VN-2000 TM-3 zone is known for province {province!r}; known: {known}; "
                    f"or give the EPSG code with srid") from None


def resolve_crs(file_crs: str | None, *, srid: int | str | None = None, vn2000_province: str | None = None) -> CRS:
    """The file's own CRS wins; without one, the caller must name it (EPSG code or province)."""
    if file_crs:
        return CRS.from_user_input(file_crs)
    if vn2000_province:
        return vn2000_crs(vn2000_province)
    if srid:
        try:
            return CRS.from_user_input(int(srid) if str(srid).isdigit() else srid)
        except CRSError as exc:
            raise NoCrs(f"{srid!r} is not a coordinate reference system PROJ knows") from exc
    raise NoCrs("the file has no coordinate reference system; name its EPSG code (srid) or, for VN-2000 "
                "data, its province (vn2000_province)")
