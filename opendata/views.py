"""Open-data pages (catalog, dataset with its preview map) and the harvesters' endpoints: DCAT-AP JSON-LD and
CKAN API 3 (`package_list`, `package_show`, `package_search`, `status_show`) under /opendata/api/3/action/."""

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.errors import PortalError

from .api import _counts, dataset_summary
from .catalog import dataset, datasets
from .dcat import ckan_package, dcat_catalog
from .provenance import provenance

__all__ = ["catalog_page", "dataset_page", "dcat_view", "ckan_action"]

_CKAN_ROWS = 1000


def _base(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@require_GET
def catalog_page(request):
    counts = _counts()
    items = [dataset_summary(request, ds, counts) for ds in datasets()]
    return render(request, "opendata/catalog.html", {"datasets": items, "provenance": provenance()})


@require_GET
def dataset_page(request, slug: str):
    try:
        ds = dataset(slug)
    except PortalError:
        return render(request, "opendata/missing.html", {"slug": slug[:80]}, status=404)
    item = dataset_summary(request, ds, _counts())
    return render(request, "opendata/dataset.html", {"d": item, "preview": ds.layer is not None and ds.extent,
                                                     "provenance": provenance()})


@require_GET
def dcat_view(request):
    body = dcat_catalog(datasets(), base=_base(request))
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/ld+json; charset=utf-8"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _ckan(result=None, *, error: dict | None = None, status: int = 200, help_text: str = "") -> JsonResponse:
    body = {"help": help_text, "success": error is None}
    if error is None:
        body["result"] = result
    else:
        body["error"] = error
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _int(request, name: str, default: int, *, high: int) -> int:
    text = request.GET.get(name)
    if text in (None, ""):
        return default
    value = int(text) if text.isdigit() else -1
    if not 0 <= value <= high:
        raise ValueError(f"{name} must be a whole number from 0 to {high}")
    return value


@require_GET
def ckan_action(request, action: str):
    help_text = request.build_absolute_uri()
    base = _base(request)
    try:
        if action == "status_show":
            return _ckan({"site_title": "Cổng dữ liệu mở GIS Ninh Thuận", "site_url": base, "ckan_version": "2.10.0",
                          "extensions": ["dcat"], "locale_default": "vi"}, help_text=help_text)
        if action == "package_list":
            return _ckan([ds.slug for ds in datasets()], help_text=help_text)
        if action == "package_show":
            name = request.GET.get("id") or request.GET.get("name_or_id")
            if not name:
                return _ckan(error={"__type": "Validation Error", "id": ["Missing value"]}, status=400,
                             help_text=help_text)
            try:
                ds = dataset(name)
            except PortalError:
                return _ckan(error={"__type": "Not Found Error", "message": "Not found"}, status=404,
                             help_text=help_text)
            downloads = {fmt: n for (slug, fmt), n in _counts().items() if slug == ds.slug}
            return _ckan(ckan_package(ds, base=base, downloads=downloads), help_text=help_text)
        if action == "package_search":
            rows = _int(request, "rows", 10, high=_CKAN_ROWS)
            start = _int(request, "start", 0, high=10**6)
            q = (request.GET.get("q") or "").strip().lower()
            found = [ds for ds in datasets() if not q or q in " ".join(
                (ds.slug, ds.title_vi, ds.title_en, ds.description, *ds.keywords)).lower()]
            counts = _counts()
            results = [ckan_package(ds, base=base, downloads={f: n for (s, f), n in counts.items() if s == ds.slug})
                       for ds in found[start:start + rows]]
            return _ckan({"count": len(found), "results": results, "sort": "name asc", "facets": {}},
                         help_text=help_text)
    except ValueError as exc:
        return _ckan(error={"__type": "Validation Error", "message": str(exc)}, status=400, help_text=help_text)
    return _ckan(error={"__type": "Not Found Error", "message": f"Action {action[:40]} is not offered"},
                 status=400, help_text=help_text)
