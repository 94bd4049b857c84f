"""The dispatcher's live page at /dispatch/: map and list of incidents, filters, actions, duplicates, hotspots.

Dispatchers (and superusers) see and act on every incident; agency staff see their agency's only
and the actions their role allows. The page's data comes from /api/dispatch/ and the live updates
from /dispatch/events (dispatch_stream).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET

from layers.models import AdminUnit
from portal.accounts.models import OrgUnit
from portal.map.config import map_config

from .access import is_agency_staff, is_dispatcher, staff_incidents, staff_replies
from .chat.models import Reply
from .conf import conf
from .models import Category, Channel, Status

__all__ = ["dispatch_page"]


def _language() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def _choices(user, language: str) -> dict:
    dispatcher = is_dispatcher(user)
    agencies = OrgUnit.objects.filter(kind=OrgUnit.Kind.AGENCY).order_by("name")
    if not dispatcher:
        agencies = agencies.filter(pk=user.org_unit_id)
    commune_ids = staff_incidents(user).exclude(commune=None).values("commune_id").distinct()
    communes = AdminUnit.objects.filter(pk__in=commune_ids).order_by("name")
    return {
        "statuses": [{"value": "open", "label": gettext("Open (any open state)")}]
        + [{"value": value, "label": str(label)} for value, label in Status.choices],
        "categories": [{"value": c.code, "label": c.name(language)} for c in Category.objects.active()],
        "channels": [{"value": value, "label": str(label)} for value, label in Channel.choices],
        "agencies": [{"value": a.pk, "code": a.code, "label": a.name} for a in agencies],
        "communes": [{"value": u.pk, "label": u.name} for u in communes],
        "dispatcher": dispatcher,
        "agency_id": None if dispatcher else user.org_unit_id,
        "duplicate_radius_m": conf.NEARBY_RADIUS_M,
    }


@require_GET
@login_required
def dispatch_page(request):
    user = request.user
    if not (is_dispatcher(user) or is_agency_staff(user)):
        raise PermissionDenied
    language = _language()
    # Replies to chat citizens that have not gone out (no gateway, held, failed): the operators' to-do.
    return render(request, "incidents/dispatch.html", {
        "config": map_config(request, user, language), "choices": _choices(user, language),
        "chat_unsent": staff_replies(user).exclude(state=Reply.State.SENT).count()})
