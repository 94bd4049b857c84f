"""The map API at /api/map/: the page's start-up configuration, search, identify."""

from django.utils.translation import get_language
from ninja import Query, Router

from portal.accounts.auth import public_access

from .config import map_config
from .identify import identify
from .schemas import IdentifyOut, IdentifyQuery, SearchOut, SearchQuery
from .search import search

__all__ = ["router"]

router = Router(auth=public_access)


def _language() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


@router.get("/config", summary="Layers the caller may see, grouped by theme, with styles and tile URLs")
def config(request):
    return map_config(request, request.auth, _language())


@router.get("/search", response=SearchOut, url_name="map_search",
            summary="Find a commune, district or province, a parcel (tờ 12 thửa 345) or coordinates")
def search_view(request, q: Query[SearchQuery]):
    return {"query": q.q, "results": search(q.q, request.auth)}


@router.get("/identify", response=IdentifyOut, url_name="map_identify",
            summary="Public attributes of the features of the given layers at a point")
def identify_view(request, q: Query[IdentifyQuery]):
    return {"features": identify(request, lon=q.lon, lat=q.lat, zoom=q.zoom, layers=q.layers, user=request.auth,
                                 language=_language())}
