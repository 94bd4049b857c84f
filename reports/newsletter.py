"""The monthly newsletter: highlights, map, charts and resolved cases (public and redacted), as a web page, an
HTML e-mail with its pictures inline, and a PDF; queued for each subscribed org unit's members and sent by the
beat through Django's mail backend (`deliver_newsletters`)."""

import logging
from datetime import timedelta
from email.mime.image import MIMEImage

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from geoprocessing.pdf import FONT_DIRS, LocalOnlyFetcher, render_pdf
from incidents.models import EventKind, Incident, IncidentEvent

from . import rendering
from .models import NewsletterMessage, NewsletterSubscription, ReportFile, ReportRun
from .records import Figures
from .redact import redact_text
from .services import run_area, run_period
from .storage import read_path

__all__ = ["resolved_cases", "newsletter_files", "do_queue_newsletter", "deliver_newsletters", "MAX_CASES"]

log = logging.getLogger(__name__)
MAX_CASES = 12
MAX_ATTEMPTS = 5


def resolved_cases(run: ReportRun, *, limit: int = MAX_CASES) -> list[dict]:
    """Public reports of the area resolved in the period: what, where, how fast, and what was done — no one's
    name, contact or plate (text is redacted), and never a non-public category (camera violations)."""
    area, period = run_area(run), run_period(run)
    resolved = IncidentEvent.objects.filter(kind=EventKind.RESOLVED, at__gte=period.start, at__lt=period.end)
    incidents = (Incident.objects.public().filter(**{f"{area.incident_column}__in": area.ids},
                                                  category__public_by_default=True, pk__in=resolved.values("incident"))
                 .select_related("category", "commune"))
    last_resolution = {}
    for event in resolved.filter(incident__in=incidents).order_by("at", "id"):
        last_resolution[event.incident_id] = event
    rows = []
    for incident in incidents:
        event = last_resolution.get(incident.pk)
        if event is None:
            continue
        rows.append({
            "code": incident.tracking_code, "category": incident.category.name_vi,
            "commune": incident.commune.name if incident.commune else "",
            "received": timezone.localtime(incident.created_at).strftime("%d/%m/%Y"),
            "resolved": timezone.localtime(event.at).strftime("%d/%m/%Y"),
            "days": round((event.at - incident.created_at).total_seconds() / 86400, 1),
            "description": redact_text(incident.description, limit=200),
            "action": redact_text(event.note if event.public else "", limit=200), "at": event.at})
    rows.sort(key=lambda r: (r["at"], r["code"]), reverse=True)
    return [{k: v for k, v in row.items() if k != "at"} for row in rows[:limit]]


def _highlights(figures: Figures) -> list[str]:
    t, trend = figures.totals, figures.trend
    lines = [f"{t.received} phản ánh tiếp nhận, {t.resolved} đã xử lý, {t.overdue} quá hạn cuối tháng."]
    if len(trend) >= 2 and trend[-2]["received"]:
        change = 100 * (t.received - trend[-2]["received"]) / trend[-2]["received"]
        lines.append(f"Tiếp nhận {'tăng' if change >= 0 else 'giảm'} {abs(change):.0f} % so với tháng trước.")
    if t.on_time_rate is not None:
        lines.append(f"Tỷ lệ xử lý đúng hạn: {100 * t.on_time_rate:.0f} %.")
    if figures.by_category:
        top = figures.by_category[0]
        lines.append(f"Lĩnh vực nhiều phản ánh nhất: {top.label} ({top.received}).")
    if figures.hotspots:
        lines.append(f"{len(figures.hotspots)} điểm nóng có ý nghĩa thống kê.")
    return lines


def newsletter_files(run: ReportRun, figures: Figures, pictures: rendering.Pictures, *, title: str,
                     generated: str) -> tuple[list[dict], dict[str, bytes]]:
    cases = resolved_cases(run)
    base = {"f": figures, "t": figures.totals, "title": title, "generated": generated, "cases": cases,
            "highlights": _highlights(figures), "portal_url": getattr(settings, "PORTAL_URL", "")}
    web = render_to_string("reports/newsletter.html", {
        **base, "map_src": rendering.svg_data_uri(pictures.map.svg),
        "trend_src": rendering.svg_data_uri(pictures.trend.svg)})
    printed = render_to_string("reports/newsletter.html", {
        **base, "map_src": rendering.png_data_uri(pictures.map.png),
        "trend_src": rendering.png_data_uri(pictures.trend.png)})
    mail = render_to_string("reports/newsletter.html", {**base, "map_src": "cid:map.png", "trend_src": "cid:trend.png",
                                                        "email": True})
    fetcher = LocalOnlyFetcher(FONT_DIRS)
    pdf = render_pdf(printed, fetcher=fetcher)
    if fetcher.refused:
        raise RuntimeError(f"the newsletter asked for resources outside the portal: {fetcher.refused[:3]}")
    return cases, {"html": web.encode(), "email": mail.encode(), "pdf": pdf,
                   "map.png": pictures.map.png, "trend.png": pictures.trend.png}


def _recipients() -> list[tuple[int, str]]:
    orgs = NewsletterSubscription.objects.filter(active=True).values_list("org_unit_id", flat=True)
    users = (get_user_model().objects.filter(org_unit_id__in=orgs, is_active=True).exclude(email="")
             .order_by("email").values_list("org_unit_id", "email"))
    seen, out = set(), []
    for org, email in users:
        if email.lower() not in seen:
            seen.add(email.lower())
            out.append((org, email))
    return out


@transaction.atomic
def do_queue_newsletter(run: ReportRun) -> int:
    """One outbox row per recipient and issue: running the issue again queues no one twice."""
    queued = 0
    for org, email in _recipients():
        _, created = NewsletterMessage.objects.get_or_create(run=run, to=email, defaults={"org_unit_id": org})
        queued += created
    return queued


def _file(run: ReportRun, fmt: str) -> bytes:
    return read_path(ReportFile.objects.get(run=run, format=fmt).path).read_bytes()


def _message(run: ReportRun, to: str) -> EmailMultiAlternatives:
    subject = f"Bản tin điện tử tháng {run.first_day:%m/%Y} – {run.area_name}"
    text = (f"{subject}\n\nBản tin ở dạng HTML và PDF đính kèm.\n"
            f"The newsletter is in HTML, with the PDF attached.\n")
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to], from_email=getattr(
        settings, "REPORTS_MAIL_FROM", getattr(settings, "DEFAULT_FROM_EMAIL", "ioc@localhost")))
    message.attach_alternative(_file(run, "email").decode(), "text/html")
    message.mixed_subtype = "related"
    for name in ("map.png", "trend.png"):
        image = MIMEImage(_file(run, name), _subtype="png")
        image.add_header("Content-ID", f"<{name}>")
        image.add_header("Content-Disposition", "inline", filename=name)
        message.attach(image)
    message.attach(f"ban-tin-{run.first_day:%Y-%m}.pdf", _file(run, "pdf"), "application/pdf")
    return message


def deliver_newsletters(*, batch: int = 50) -> int:
    """Send due messages; failures are tried again later (2^n minutes), at most MAX_ATTEMPTS times. Rows are
    claimed with SKIP LOCKED, so two beats never send one twice."""
    sent = 0
    with transaction.atomic():
        due = list(NewsletterMessage.objects.due().select_for_update(skip_locked=True).select_related("run")
                   .order_by("id")[:batch])
        for message in due:
            message.attempts += 1
            try:
                _message(message.run, message.to).send()
            except OSError as exc:  # SMTP refusals and unreachable servers are OSErrors
                message.last_error = str(exc)[:500]
                message.status = (NewsletterMessage.State.FAILED if message.attempts >= MAX_ATTEMPTS
                                  else NewsletterMessage.State.PENDING)
                message.send_after = timezone.now() + timedelta(minutes=2 ** message.attempts)
                log.warning("newsletter %s to %s failed: %s", message.pk, message.to, exc)
            else:
                message.status, message.sent_at = NewsletterMessage.State.SENT, timezone.now()
                sent += 1
            message.save(update_fields=["attempts", "last_error", "status", "send_after", "sent_at"])
    return sent
