"""The open-data API at /api/opendata/: datasets, their downloads (streamed from the cache, with checksums and
counted), the checksums file, offline bundles. Anonymous; only public data."""

import base64

from django.http import FileResponse, HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags
from ninja import Field, Query, Router, Schema

from .bundles import build_bundle, check_bundle
from .catalog import dataset, datasets
from .downloads import cache_dir, cached_download, check_format, count_download, extension, media_type
from .models import CachedDownload, DownloadCount

__all__ = ["router", "dataset_summary"]

router = Router(auth=None)


class DownloadQuery(Schema):
    format: str | None = Field(None, description="gpkg, geojson, shp, csv, fgb or kml (statistics: csv, geojson, "
                                                 "gpkg)")


class BundleQuery(Schema):
    area: str | None = Field(None, description="administrative unit code, e.g. a commune's")
    min_zoom: int = Field(10, ge=0, le=24)
    max_zoom: int = Field(14, ge=0, le=24)
    format: str = Field("pmtiles", description="pmtiles or mbtiles")


def _base(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def dataset_summary(request, ds, counts: dict) -> dict:
    base = _base(request)
    return {"slug": ds.slug, "title_vi": ds.title_vi, "title_en": ds.title_en, "description": ds.description,
            "theme": ds.theme, "licence": ds.licence, "attribution": ds.attribution,
            "update_frequency": ds.frequency, "extent": ds.extent, "modified": ds.modified.isoformat(),
            "feature_count": ds.feature_count, "version": ds.version, "geometry": ds.geometry,
            "sources": [{"folder": s.folder, "licences": list(s.licences), "text": s.text} for s in ds.sources],
            "downloads": {fmt: {"url": f"{base}/api/opendata/datasets/{ds.slug}/download?format={fmt}",
                                "count": counts.get((ds.slug, fmt), 0)} for fmt in ds.formats}}


def _counts() -> dict:
    return {(c.dataset, c.format): c.count for c in DownloadCount.objects.all()}


@router.get("/datasets", summary="Public datasets with their metadata and download counts")
def list_datasets(request):
    counts = _counts()
    return [dataset_summary(request, ds, counts) for ds in datasets()]


@router.get("/datasets/{slug}", summary="One public dataset")
def dataset_detail(request, slug: str):
    return dataset_summary(request, dataset(slug), _counts())


@router.get("/datasets/{slug}/download", url_name="opendata_download",
            summary="Download a dataset (streamed from a cache kept per version; ETag and X-Checksum-SHA256)")
def download(request, slug: str, q: Query[DownloadQuery]):
    ds = dataset(slug)
    fmt = check_format(ds, q.format)
    stored = cached_download(ds, fmt)
    headers = {"ETag": f'"{stored.sha256}"', "Cache-Control": "public, max-age=300",
               "X-Checksum-SHA256": stored.sha256, "Access-Control-Allow-Origin": "*",
               # RFC 9530: the digest of the bytes sent, so clients can check what they received.
               "Repr-Digest": f"sha-256=:{base64.b64encode(bytes.fromhex(stored.sha256)).decode()}:"}
    if f'"{stored.sha256}"' in parse_etags(request.headers.get("If-None-Match", "")):
        return HttpResponseNotModified(headers=headers)
    count_download(ds.slug, fmt, stored.size)
    response = FileResponse((cache_dir() / stored.path).open("rb"), content_type=media_type(fmt),
                            as_attachment=True, filename=f"{ds.slug}-v{ds.version}.{extension(fmt)}")
    for key, value in headers.items():
        response[key] = value
    return response


@router.get("/datasets/{slug}/SHA256SUMS", summary="Checksums of the dataset's files written so far")
def checksums(request, slug: str):
    ds = dataset(slug)
    lines = [f"{c.sha256}  {ds.slug}-v{ds.version}.{extension(c.format)}"
             for c in CachedDownload.objects.filter(dataset=ds.slug, version=ds.version).order_by("format")]
    return HttpResponse("\n".join(lines) + ("\n" if lines else ""), content_type="text/plain; charset=utf-8")


@router.get("/bundle", summary="Offline bundle: basemap and public layers over an area as PMTiles or MBTiles")
def bundle(request, q: Query[BundleQuery]):
    unit, bounds = check_bundle(area=q.area, min_zoom=q.min_zoom, max_zoom=q.max_zoom, fmt=q.format)
    path, info = build_bundle(unit, bounds, min_zoom=q.min_zoom, max_zoom=q.max_zoom, fmt=q.format)
    count_download(f"bundle:{unit.code}"[:80], q.format, path.stat().st_size)
    media = "application/vnd.pmtiles" if q.format == "pmtiles" else "application/vnd.mapbox-vector-tile+sqlite3"
    response = FileResponse(path.open("rb"), content_type=media, as_attachment=True, filename=path.name)
    response["X-Bundle-Layers"] = ",".join(info["layers"])[:2000]
    return response
