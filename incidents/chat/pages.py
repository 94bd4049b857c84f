"""The operators' view of chat replies that have not gone out: waiting for a gateway, held, or failed."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from incidents.access import is_dispatcher, staff_replies

from .conf import PLATFORMS
from .gateway import gateway_for
from .models import Reply

__all__ = ["outbox_page"]


@require_GET
@login_required
def outbox_page(request):
    if not is_dispatcher(request.user):
        raise PermissionDenied
    state = request.GET.get("state") or "unsent"
    mine = staff_replies(request.user)
    replies = mine.select_related("incident", "conversation").order_by("-created_at", "-id")
    if state == "unsent":
        replies = replies.exclude(state=Reply.State.SENT)
    elif state in Reply.State.values:
        replies = replies.filter(state=state)
    page = Paginator(replies, 50).get_page(request.GET.get("page"))
    return render(request, "chat/outbox.html", {
        "page": page, "state": state, "states": Reply.State.choices,
        "gateways": [{"platform": p, "configured": gateway_for(p) is not None} for p in PLATFORMS],
        "unsent": mine.exclude(state=Reply.State.SENT).count()})
