"""The catalog as DCAT-AP 2 JSON-LD and as CKAN API 3 packages, both built from the same Dataset records."""

import json

from .catalog import Dataset
from .downloads import extension, media_type
from .models import CachedDownload

__all__ = ["dcat_catalog", "dcat_dataset", "ckan_package", "LICENCE_URIS"]

# Licence names as layers carry them -> the URIs harvesters match on.
LICENCE_URIS = {"odbl": "https://opendatacommons.org/licenses/odbl/1-0/",
                "cc by 4.0": "https://creativecommons.org/licenses/by/4.0/",
                "cc0": "https://creativecommons.org/publicdomain/zero/1.0/", "mit": "https://spdx.org/licenses/MIT"}
_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
_FILE_TYPES = {"gpkg": "GPKG", "geojson": "GEOJSON", "shp": "SHP", "csv": "CSV", "fgb": "BIN", "kml": "KML"}
_GEOJSON_LITERAL = "https://www.iana.org/assignments/media-types/application/vnd.geo+json"
_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
_THEMES = {"planning": "REGI", "underground": "ENER", "irrigation": "AGRI", "basemap": "REGI", "admin": "GOVE",
           "incidents": "GOVE", "cameras": "TRAN"}
CONTEXT = {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
           "foaf": "http://xmlns.com/foaf/0.1/", "spdx": "http://spdx.org/rdf/terms#",
           "locn": "http://www.w3.org/ns/locn#", "xsd": "http://www.w3.org/2001/XMLSchema#",
           "vcard": "http://www.w3.org/2006/vcard/ns#"}


def licence_uri(licence: str) -> str | None:
    text = licence.lower()
    return next((uri for key, uri in LICENCE_URIS.items() if key in text), None)


def _bbox_geojson(extent) -> str | None:
    if not extent:
        return None
    w, s, e, n = extent
    return json.dumps({"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]})


def _checksums(ds: Dataset) -> dict[str, CachedDownload]:
    return {c.format: c for c in CachedDownload.objects.filter(dataset=ds.slug, version=ds.version)}


def dcat_dataset(ds: Dataset, *, base: str) -> dict:
    page = f"{base}/opendata/{ds.slug}/"
    cached = _checksums(ds)
    distributions = []
    for fmt in ds.formats:
        url = f"{base}/api/opendata/datasets/{ds.slug}/download?format={fmt}"
        dist = {"@id": url, "@type": "dcat:Distribution", "dct:title": f"{ds.title_vi} ({fmt})",
                "dcat:accessURL": {"@id": page}, "dcat:downloadURL": {"@id": url},
                "dct:format": {"@id": _FILE_TYPE + _FILE_TYPES[fmt]},
                "dcat:mediaType": media_type(fmt).split(";")[0],
                "dct:license": {"@id": licence_uri(ds.licence)} if licence_uri(ds.licence) else ds.licence}
        if fmt in cached:
            dist["dcat:byteSize"] = {"@value": str(cached[fmt].size), "@type": "xsd:decimal"}
            dist["spdx:checksum"] = {"@type": "spdx:Checksum", "spdx:algorithm": {
                "@id": "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"},
                "spdx:checksumValue": cached[fmt].sha256}
        distributions.append(dist)
    body = {"@id": page, "@type": "dcat:Dataset", "dct:identifier": ds.slug,
            "dct:title": [{"@value": ds.title_vi, "@language": "vi"}, {"@value": ds.title_en, "@language": "en"}],
            "dct:description": ds.description, "dcat:keyword": ds.keywords,
            "dcat:theme": {"@id": _THEME + _THEMES.get(ds.theme, "GOVE")},
            "dct:accrualPeriodicity": {"@id": _FREQUENCY + ds.frequency},
            "dct:modified": {"@value": ds.modified.isoformat(), "@type": "xsd:dateTime"},
            "dct:rightsHolder": ds.attribution, "dcat:landingPage": {"@id": page},
            "dcat:distribution": distributions,
            "dct:publisher": {"@type": "foaf:Agent", "foaf:name": "IOC tỉnh Ninh Thuận"},
            "dcat:contactPoint": {"@type": "vcard:Organization", "vcard:fn": "IOC tỉnh Ninh Thuận"},
            "dct:provenance": {"@type": "dct:ProvenanceStatement",
                               "rdfs:label": "; ".join(s.text for s in ds.sources)[:2000] or ds.attribution},
            "dct:conformsTo": {"@id": "http://www.opengis.net/def/crs/EPSG/0/4326"}}
    bbox = _bbox_geojson(ds.extent)
    if bbox:
        body["dct:spatial"] = {"@type": "dct:Location", "dcat:bbox": {"@value": bbox, "@type": _GEOJSON_LITERAL}}
    if ds.feature_count >= 0:
        body["dct:extent"] = {"rdfs:label": f"{ds.feature_count} features"}
    return body


def dcat_catalog(items: list[Dataset], *, base: str) -> dict:
    return {"@context": {**CONTEXT, "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}, "@id": f"{base}/opendata/",
            "@type": "dcat:Catalog", "dct:title": "Cổng dữ liệu mở GIS tỉnh Ninh Thuận / Ninh Thuận open GIS data",
            "dct:description": "Public layers and open statistics of the provincial IOC GIS portal.",
            "dct:language": [{"@id": "http://publications.europa.eu/resource/authority/language/VIE"}],
            "dct:publisher": {"@type": "foaf:Agent", "foaf:name": "IOC tỉnh Ninh Thuận"},
            "foaf:homepage": {"@id": f"{base}/opendata/"},
            "dcat:dataset": [dcat_dataset(ds, base=base) for ds in items]}


def ckan_package(ds: Dataset, *, base: str, downloads: dict[str, int]) -> dict:
    """A CKAN 2.x package dict: the fields ckanext-harvest and ckanext-dcat read."""
    cached = _checksums(ds)
    resources = []
    for fmt in ds.formats:
        c = cached.get(fmt)
        resources.append({"id": f"{ds.slug}-{fmt}", "package_id": ds.slug,
                          "name": f"{ds.slug}.{extension(fmt)}",
                          "url": f"{base}/api/opendata/datasets/{ds.slug}/download?format={fmt}",
                          "format": _FILE_TYPES[fmt] if fmt != "fgb" else "FlatGeobuf",
                          "mimetype": media_type(fmt).split(";")[0], "hash": f"sha256:{c.sha256}" if c else "",
                          "size": c.size if c else None, "last_modified": ds.modified.isoformat(),
                          "downloads": downloads.get(fmt, 0)})
    extras = [{"key": "update_frequency", "value": ds.frequency}, {"key": "theme", "value": ds.theme},
              {"key": "attribution", "value": ds.attribution}]
    if ds.extent:
        extras.append({"key": "spatial", "value": _bbox_geojson(ds.extent)})
    return {"id": ds.slug, "name": ds.slug, "title": ds.title_vi, "notes": ds.description, "type": "dataset",
            "license_id": ds.licence, "license_title": ds.licence, "license_url": licence_uri(ds.licence),
            "metadata_modified": ds.modified.isoformat(), "state": "active", "private": False,
            "url": f"{base}/opendata/{ds.slug}/", "version": ds.version, "num_resources": len(resources),
            "organization": {"name": "ioc-ninh-thuan", "title": "IOC tỉnh Ninh Thuận"},
            "tags": [{"name": k} for k in ds.keywords], "num_tags": len(ds.keywords), "extras": extras,
            "resources": resources, "feature_count": ds.feature_count}
