"""VN-2000 / TM-3 projections (EPSG:9205–9218), which PostGIS 3.3's spatial_ref_sys lacks.

Each is a transverse Mercator on a province's own central meridian, scale 0.9999, false easting
500 km, on the VN-2000 datum (WGS 84 ellipsoid) with the national 7-parameter shift to WGS 84.
"""

from django.db import migrations

TOWGS84 = "-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"
# EPSG code -> central meridian in degrees
MERIDIANS = {
    9205: 103.0, 9206: 104.0, 9207: 104.5, 9208: 104.75, 9209: 105.5, 9210: 105.75, 9211: 106.0,
    9212: 106.25, 9213: 106.5, 9214: 107.0, 9215: 107.25, 9216: 107.5, 9217: 108.25, 9218: 108.5,
}


def _dms(degrees: float) -> str:
    whole = int(degrees)
    return f"{whole}-{round((degrees - whole) * 60):02d}"


def _proj4(meridian: float) -> str:
    return (f"+proj=tmerc +lat_0=0 +lon_0={meridian} +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
            f"+towgs84={TOWGS84} +units=m +no_defs")


def _wkt(srid: int, meridian: float) -> str:
    name = f"VN-2000 / TM-3 {_dms(meridian)}"
    return (
        f'PROJCS["{name}",GEOGCS["VN-2000",DATUM["Vietnam_2000",SPHEROID["WGS 84",6378137,298.257223563,'
        f'AUTHORITY["EPSG","7030"]],TOWGS84[{TOWGS84}],AUTHORITY["EPSG","6756"]],PRIMEM["Greenwich",0,'
        f'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
        f'AUTHORITY["EPSG","4756"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],'
        f'PARAMETER["central_meridian",{meridian}],PARAMETER["scale_factor",0.9999],'
        f'PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,'
        f'AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","{srid}"]]'
    )


def add(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for srid, meridian in MERIDIANS.items():
            cursor.execute(
                """
                INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text)
                VALUES (%s, 'EPSG', %s, %s, %s)
                ON CONFLICT (srid) DO UPDATE SET srtext = EXCLUDED.srtext, proj4text = EXCLUDED.proj4text
                """,
                [srid, srid, _wkt(srid, meridian), _proj4(meridian)],
            )


def remove(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DELETE FROM spatial_ref_sys WHERE srid = ANY(%s)", [list(MERIDIANS)])


class Migration(migrations.Migration):
    dependencies = [("layers", "0003_land_use_codes")]
    operations = [migrations.RunPython(add, remove)]
