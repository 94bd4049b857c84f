"""The citizen app's shell, service worker, manifest and icons under /app/.

The shell speaks both languages (the app switches without the network) and embeds what reporting needs offline:
the categories in both languages, the limits, the basemap layers. The service worker's precache list names the
static files by their served URLs (hashed in production), and its version changes with their contents, so an
update replaces the cache once and never serves a stale mix."""

import hashlib
import json
from functools import lru_cache

from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from incidents.conf import conf
from incidents.selectors import categories_with_attributes
from layers.models import Layer

from .icons import SIZES, icon_png

__all__ = ["shell", "service_worker", "manifest", "icon", "STATIC_ASSETS", "precache_urls"]

# Static files the shell loads, cached by the service worker at install.
STATIC_ASSETS = ("citizen_app/app.css", "citizen_app/drafts.js", "citizen_app/app.js", "incidents/map.js",
                 "vendor/maplibre-gl/maplibre-gl.js", "vendor/maplibre-gl/maplibre-gl.css")
APP_PAGES = ("/app/", "/app/manifest.webmanifest", "/app/icons/192.png", "/app/icons/512.png",
             "/app/icons/maskable-512.png", "/app/icons/180.png")
MAP_LAYERS = ("nen-mat-nuoc", "nen-hanh-chinh", "nen-duong", "nen-duong-pho-mau")
THEME = "#0b4f6c"


def precache_urls() -> list[str]:
    return [*APP_PAGES, *(static(path) for path in STATIC_ASSETS)]


@lru_cache(maxsize=1)
def _assets_version() -> str:
    digest = hashlib.sha256()
    for path in STATIC_ASSETS:
        found = finders.find(path)
        digest.update(path.encode())
        if found:
            with open(found, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:16]


def _version() -> str:
    return hashlib.sha256(("|".join(precache_urls()) + _assets_version()).encode()).hexdigest()[:16]


def _map_layers() -> list[dict]:
    found = {layer.slug: layer for layer in Layer.objects.filter(slug__in=MAP_LAYERS,
                                                                 visibility=Layer.Visibility.PUBLIC)}
    return [{"slug": slug, "kind": found[slug].kind} for slug in MAP_LAYERS if slug in found]


@require_GET
def shell(request):
    config = {
        "categories": [{"code": c.code, "vi": c.name_vi, "en": c.name_en, "attributes": [
            {"code": a.code, "description": a.description, "required": a.required, "values": a.values}
            for a in c.attributes.all() if a.variable]} for c in categories_with_attributes()],
        "map_layers": _map_layers(), "max_files": conf.MAX_FILES,
        "max_photo_mb": conf.MAX_PHOTO_BYTES // 2**20, "max_video_mb": conf.MAX_VIDEO_BYTES // 2**20,
        "submit_url": "/api/app/reports", "ticket_url": "/api/incidents/ticket", "track_api": "/api/incidents/track/",
        "track_page": "/incidents/track/",
    }
    response = render(request, "citizen_app/shell.html", {"config": config, "theme": THEME,
                                                          "rendered": timezone.now().isoformat()})
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
@never_cache
def service_worker(request):
    # JSON literals in the script: the URLs come from the static storage, never from the request.
    response = render(request, "citizen_app/sw.js", {"version": json.dumps(_version()),
                                                     "precache": json.dumps(precache_urls()),
                                                     "drafts_js": json.dumps(static("citizen_app/drafts.js"))},
                      content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/app/"
    return response


@require_GET
def manifest(request):
    icons = [{"src": f"/app/icons/{size}.png", "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
             for size in (192, 512)]
    icons.append({"src": "/app/icons/maskable-512.png", "sizes": "512x512", "type": "image/png",
                  "purpose": "maskable"})
    body = {
        "id": "/app/", "name": "Phản ánh hiện trường – Ninh Thuận", "short_name": "Phản ánh",
        "description": "Báo sự cố hạ tầng, môi trường, trật tự đô thị cho Trung tâm IOC tỉnh; gửi được cả khi "
                       "mất mạng. Report problems to the provincial IOC, even offline.",
        "lang": "vi", "dir": "ltr", "start_url": "/app/", "scope": "/app/", "display": "standalone",
        "orientation": "portrait", "background_color": "#ffffff", "theme_color": THEME, "icons": icons,
        "categories": ["government", "utilities"],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@require_GET
def icon(request, name: str):
    maskable = name.startswith("maskable-")
    try:
        size = int(name.removeprefix("maskable-"))
    except ValueError:
        raise Http404 from None
    if size not in SIZES:
        raise Http404
    response = HttpResponse(icon_png(size, maskable=maskable), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response
