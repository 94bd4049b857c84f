"""Open-data downloads: every format opens with GDAL with the layer's feature count, is written once per layer
version (then served from the cache) with its SHA-256, is counted; a private layer is neither listed nor
downloadable anonymously; a format not offered is a 400 with the reason."""

import hashlib
import json
import re

import pyogrio
import pytest
from django.test import Client
from opendata_helpers import parcel_layer, pipe_layer

from opendata.models import CachedDownload, DownloadCount

pytestmark = pytest.mark.django_db

EXTENSIONS = {"gpkg": "gpkg", "geojson": "geojson", "shp": "shp.zip", "csv": "csv", "fgb": "fgb", "kml": "kml"}
PRIVATE_TOKENS = (b"Hanh", "Hạnh".encode(), b"CCCD-", b"holder")


@pytest.fixture
def layers(db):
    return {"public": parcel_layer("od-thua-dat", count=37), "private": pipe_layer("od-ong-noi-bo", count=5),
            "restricted": parcel_layer("od-thua-han-che", count=4, visibility="restricted")}


def _get(client, url, **headers):
    response = client.get(url, **headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


@pytest.mark.parametrize("fmt", list(EXTENSIONS))
def test_every_format_opens_with_gdal_with_the_feature_count(layers, fmt, tmp_path):
    response, body = _get(Client(), f"/api/opendata/datasets/od-thua-dat/download?format={fmt}")
    assert response.status_code == 200, body[:300]
    path = tmp_path / f"download.{EXTENSIONS[fmt]}"
    path.write_bytes(body)
    info = pyogrio.read_info(f"/vsizip/{path}" if fmt == "shp" else path)
    assert info["features"] == 37
    assert hashlib.sha256(body).hexdigest() == response["X-Checksum-SHA256"]
    assert response["ETag"] == f'"{response["X-Checksum-SHA256"]}"'
    assert not any(token in body for token in PRIVATE_TOKENS)


def test_written_once_per_version_then_served_from_the_cache(layers, opendata_cache):
    client = Client()
    first, body = _get(client, "/api/opendata/datasets/od-thua-dat/download?format=gpkg")
    cached = CachedDownload.objects.get(dataset="od-thua-dat", format="gpkg")
    written = (opendata_cache / cached.path).stat().st_mtime_ns
    second, again = _get(client, "/api/opendata/datasets/od-thua-dat/download?format=gpkg")
    assert again == body and (opendata_cache / cached.path).stat().st_mtime_ns == written
    assert CachedDownload.objects.filter(dataset="od-thua-dat", format="gpkg").count() == 1
    not_modified = client.get("/api/opendata/datasets/od-thua-dat/download?format=gpkg",
                              HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304
    assert DownloadCount.objects.get(dataset="od-thua-dat", format="gpkg").count == 2  # 304s are not downloads
    sums = client.get("/api/opendata/datasets/od-thua-dat/SHA256SUMS").content.decode()
    assert f"{cached.sha256}  od-thua-dat-v1.gpkg" in sums

    layers["public"].bump_version()  # an import: the next download is written anew, the old file goes
    third, _ = _get(client, "/api/opendata/datasets/od-thua-dat/download?format=gpkg")
    assert third.status_code == 200 and "v2" in third["Content-Disposition"]
    assert not (opendata_cache / cached.path).exists()
    assert list(CachedDownload.objects.filter(dataset="od-thua-dat").values_list("version", flat=True)) == ["2"]


def test_a_private_layer_is_neither_listed_nor_downloadable_anonymously(layers):
    client = Client()
    listed = {d["slug"] for d in client.get("/api/opendata/datasets").json()}
    assert "od-thua-dat" in listed and not listed & {"od-ong-noi-bo", "od-thua-han-che"}
    for slug in ("od-ong-noi-bo", "od-thua-han-che"):
        response = client.get(f"/api/opendata/datasets/{slug}/download?format=geojson")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
        assert client.get(f"/api/opendata/datasets/{slug}").status_code == 404
        assert client.get(f"/opendata/{slug}/").status_code == 404
        assert slug not in client.get("/opendata/").content.decode()
        assert slug not in client.get("/opendata/catalog.jsonld").content.decode()
        assert slug not in json.dumps(client.get("/opendata/api/3/action/package_list").json())
        shown = client.get(f"/opendata/api/3/action/package_show?id={slug}")
        assert shown.status_code == 404 and shown.json()["success"] is False
    assert not CachedDownload.objects.filter(dataset__in=["od-ong-noi-bo", "od-thua-han-che"]).exists()


@pytest.mark.parametrize(("url", "field", "words"), [
    ("/api/opendata/datasets/od-thua-dat/download?format=xlsx", "format", "not offered"),
    ("/api/opendata/datasets/od-thua-dat/download", "format", "not offered"),
    ("/api/opendata/datasets/phan-anh-theo-xa-tuan/download?format=kml", "format", "not offered"),
    ("/api/opendata/bundle?area=nowhere", "area", "No administrative unit"),
    ("/api/opendata/bundle?area=2009-705&format=zip", "format", "not offered"),
    ("/api/opendata/bundle?area=2009-705&min_zoom=12&max_zoom=9", "max_zoom", "min_zoom"),
])
def test_bad_input_is_a_400_with_the_reason(layers, admin_units, url, field, words):
    response = Client().get(url)
    assert response.status_code == 400, response.content
    assert words in response.json()["message"] and response.json()["errors"][0]["field"] == field


def test_catalog_dcat_and_ckan_describe_the_public_layers(layers):
    client = Client()
    _get(client, "/api/opendata/datasets/od-thua-dat/download?format=geojson")
    detail = client.get("/api/opendata/datasets/od-thua-dat").json()
    assert detail["feature_count"] == 37 and detail["licence"] == "CC BY 4.0" and detail["theme"] == "planning"
    assert detail["update_frequency"] == "MONTHLY" and detail["version"] == "1"
    w, s, e, n = detail["extent"]
    assert 108.98 < w < e < 109.01 and 11.55 < s < n < 11.58
    assert detail["downloads"]["geojson"]["count"] == 1 and set(detail["downloads"]) == set(EXTENSIONS)
    assert any("WorldPop" in src["text"] and "CC BY 4.0" in src["licences"] for src in detail["sources"])

    catalog = client.get("/opendata/catalog.jsonld")
    assert catalog["Content-Type"].startswith("application/ld+json")
    graph = catalog.json()
    assert graph["@type"] == "dcat:Catalog" and "dcat" in graph["@context"]
    entry = next(d for d in graph["dcat:dataset"] if d["dct:identifier"] == "od-thua-dat")
    assert entry["dct:accrualPeriodicity"]["@id"].endswith("/MONTHLY")
    assert len(entry["dcat:distribution"]) == 6 and "dct:spatial" in entry
    geojson = next(x for x in entry["dcat:distribution"] if x["dcat:downloadURL"]["@id"].endswith("geojson"))
    assert geojson["spdx:checksum"]["spdx:checksumValue"] == CachedDownload.objects.get(format="geojson").sha256
    assert geojson["dct:license"]["@id"] == "https://creativecommons.org/licenses/by/4.0/"

    names = client.get("/opendata/api/3/action/package_list").json()
    assert names["success"] and "od-thua-dat" in names["result"] and "phan-anh-theo-xa-tuan" in names["result"]
    package = client.get("/opendata/api/3/action/package_show?id=od-thua-dat").json()["result"]
    assert package["name"] == "od-thua-dat" and package["num_resources"] == 6
    assert {r["format"] for r in package["resources"]} == {"GPKG", "GEOJSON", "SHP", "CSV", "FlatGeobuf", "KML"}
    search = client.get("/opendata/api/3/action/package_search?q=thửa&rows=1").json()["result"]
    assert search["count"] >= 1 and len(search["results"]) == 1
    assert client.get("/opendata/api/3/action/package_search?rows=-3").status_code == 400

    page = client.get("/opendata/").content.decode()
    assert "od-thua-dat" in page and "ODbL" in page and "CC BY 4.0" in page and "PROVENANCE.md" in page
    # Each dataset's entry on the catalog page: title, description, last update and feature count.
    entry = re.search(r'<article class="dataset" data-dataset="od-thua-dat">(.*?)</article>', page, re.S).group(1)
    assert re.search(r"<h2><a [^>]*>Thửa đất od-thua-dat</a></h2>", entry)
    assert '<p class="description">Thửa đất mẫu / sample parcels</p>' in entry
    assert re.search(rf"<dd>\w+ · {detail['modified'][:10]}</dd>", entry)
    assert "<dd data-count>37</dd>" in entry
