"""The monthly newsletter: HTML e-mail with its pictures inline and the PDF attached, sent through Django's mail
backend from an outbox, once per subscribed member; resolved cases are public (a report kept private is left out)
and redacted."""

import subprocess
from datetime import date

import pytest
from django.core import mail
from report_helpers import staff

from incidents.models import Incident
from portal.accounts.models import OrgUnit
from reports.models import NewsletterMessage, NewsletterSubscription, ReportFile, ReportRun
from reports.newsletter import deliver_newsletters, resolved_cases
from reports.periods import Period
from reports.redact import redact_text
from reports.services import do_build_run, do_request_report
from reports.storage import read_path

pytestmark = pytest.mark.django_db
MONTH = Period(date(2026, 2, 1), date(2026, 2, 28))


def test_newsletter_is_mailed_once_to_each_subscribed_member(reports_dir, world, incidents, province_area,
                                                             settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    agency = world["agencies"][0]
    NewsletterSubscription.objects.create(org_unit=agency)
    NewsletterSubscription.objects.create(org_unit=world["ioc"], active=False)
    staff("rep-news-a", "agency_staff", agency, email="a@example.org")
    staff("rep-news-b", "agency_staff", agency, email="b@example.org")
    staff("rep-news-none", "agency_staff", agency, email="")
    staff("rep-news-ioc", "dispatcher", world["ioc"], email="ioc@example.org")  # unsubscribed unit

    run = do_build_run(do_request_report(kind=ReportRun.Kind.NEWSLETTER, area=province_area, period=MONTH,
                                         queue=False))
    assert {f.format for f in run.files.all()} == {"html", "pdf", "csv", "email", "map.png", "trend.png"}
    cases = run.figures["resolved_cases"]
    assert cases and not any("0912" in c["action"] for c in cases)
    assert any("[số điện thoại]" in c["action"] for c in cases)
    assert all(c["category"] != "Vi phạm giao thông (camera)" for c in cases)
    assert sorted(NewsletterMessage.objects.values_list("to", flat=True)) == ["a@example.org", "b@example.org"]

    assert deliver_newsletters() == 2 and deliver_newsletters() == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    message = mail.outbox[0]
    html, kind = message.alternatives[0]
    assert kind == "text/html" and 'src="cid:map.png"' in html and "Nguyễn Văn A" not in html
    names = [part.get_filename() for part in message.message().walk() if part.get_filename()]
    assert {"map.png", "trend.png", "ban-tin-2026-02.pdf"} <= set(names)
    pdf = read_path(ReportFile.objects.get(run=run, format="pdf").path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert str(run.figures["totals"]["received"]) in text and "Phản ánh đã xử lý" in text

    # The same issue again queues no one twice.
    do_build_run(do_request_report(kind=ReportRun.Kind.NEWSLETTER, area=province_area, period=MONTH, queue=False,
                                   rerun=True))
    assert NewsletterMessage.objects.count() == 2 and deliver_newsletters() == 0
    assert OrgUnit.objects.filter(newsletter__active=True).count() == 1


def test_a_resolved_case_its_reporter_kept_private_is_not_in_the_newsletter(reports_dir, world, incidents,
                                                                            province_area):
    run = do_request_report(kind=ReportRun.Kind.NEWSLETTER, area=province_area, period=MONTH, queue=False)
    # The case the newsletter would show first (the month's latest resolution), its report made non-public.
    shown_first = resolved_cases(run)[0]["code"]
    hidden = Incident.objects.get(tracking_code=shown_first)
    assert hidden.category.public_by_default and hidden.resolved_at is not None
    Incident.objects.filter(pk=hidden.pk).update(public=False)

    run = do_build_run(run)
    codes = [case["code"] for case in run.figures["resolved_cases"]]
    assert codes and shown_first not in codes
    for fmt in ("html", "email"):
        assert shown_first not in read_path(ReportFile.objects.get(run=run, format=fmt).path).read_text()
    pdf = read_path(ReportFile.objects.get(run=run, format="pdf").path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert codes[0] in text and shown_first not in text


def test_redaction_masks_contacts_ids_and_plates():
    text = redact_text("Gọi 0905 123 456 hoặc +84 912.345.678, a.b@x.vn, xe 85A-123.45, CCCD 058190012345, nhà 12")
    assert text == ("Gọi [số điện thoại] hoặc [số điện thoại], [e-mail], xe [biển số], CCCD [số giấy tờ], nhà 12")
