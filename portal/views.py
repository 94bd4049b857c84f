"""Web pages of the portal shell, and the health endpoint."""

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import check_health


@require_GET
def home(request):
    return render(request, "portal/home.html")


@never_cache
@require_GET
def healthz(request):
    healthy, body = check_health()
    return JsonResponse(body, status=200 if healthy else 503)
