"""Replies wait in the outbox until a gateway is configured, then go to the platform's send API; status changes
are relayed once each; photos are fetched only from allowed origins and checked like uploads; operators see
what waits; the dispatcher filters by channel."""

from datetime import timedelta

import pytest
from chat_helpers import (
    FakePlatform,
    configure_chat,
    location,
    make_litter,
    messenger_event,
    messenger_payload,
    messenger_post,
    zalo_image,
    zalo_location,
    zalo_payload,
    zalo_post,
)
from django.utils import timezone
from incident_helpers import PHAN_RANG, jpeg_bytes

from incidents import services
from incidents.chat.delivery import deliver_replies
from incidents.chat.media_fetch import fetch_pending_media, origin_allowed
from incidents.chat.models import Attachment, Conversation, Reply
from incidents.chat.relay import relay_status_changes
from incidents.models import Incident, IncidentMedia

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat_settings(settings):
    return configure_chat(settings)


@pytest.fixture
def litter(db):
    return make_litter()


@pytest.fixture
def platform():
    with FakePlatform() as fake:
        yield fake


def _messenger_incident(client, sender="700") -> Incident:
    response = messenger_post(client, messenger_payload(
        messenger_event(sender, text="1"), messenger_event(sender, text="Biển báo đổ"),
        messenger_event(sender, attachments=[location(*PHAN_RANG)])))
    assert response.status_code == 200, response.content
    return Incident.objects.get()


def _zalo_incident(client, sender="800", attachments=()) -> Incident:
    for body in (zalo_payload(sender, "user_send_text", text="1"),
                 zalo_payload(sender, "user_send_text", text="Xả thải ra kênh"),
                 *(zalo_payload(sender, "user_send_image", attachments=[a]) for a in attachments),
                 zalo_payload(sender, "user_send_location", attachments=[zalo_location(*PHAN_RANG)])):
        assert zalo_post(client, body).status_code == 200
    return Incident.objects.get()


def test_without_a_gateway_replies_wait_and_nothing_is_sent(client, admin_units, chat_settings, litter, platform):
    _messenger_incident(client)
    assert deliver_replies() == 0
    assert set(Reply.objects.values_list("state", flat=True)) == {"waiting"} and not platform.requests


def test_a_configured_messenger_gateway_gets_each_reply_once(client, admin_units, chat_settings, litter, platform):
    incident = _messenger_incident(client, sender="701")
    chat_settings.CHAT_MESSENGER_SEND_URL = f"{platform.origin}/v21.0/me/messages"
    chat_settings.CHAT_MESSENGER_PAGE_TOKEN = "page-token-test"
    platform.answer = {"recipient_id": "701", "message_id": "m_out"}
    waiting = Reply.objects.count()
    assert deliver_replies() == waiting and deliver_replies() == 0
    assert len(platform.requests) == waiting
    receipt = next(r for r in platform.requests if incident.tracking_code in r["json"]["message"]["text"])
    assert receipt["json"]["recipient"] == {"id": "701"} and receipt["json"]["messaging_type"] == "RESPONSE"
    assert receipt["headers"]["authorization"] == "Bearer page-token-test"
    assert set(Reply.objects.values_list("state", flat=True)) == {"sent"}


def test_a_zalo_gateway_gets_the_oa_token_and_a_refusal_fails_the_reply(client, admin_units, chat_settings, litter,
                                                                         platform):
    _zalo_incident(client)
    chat_settings.CHAT_ZALO_SEND_URL = f"{platform.origin}/v3.0/oa/message/cs"
    chat_settings.CHAT_ZALO_ACCESS_TOKEN = "oa-token-test"
    platform.answer = {"error": -213, "message": "User has not interacted with the OA in the last 7 days"}
    deliver_replies()
    request = platform.requests[0]
    assert request["headers"]["access_token"] == "oa-token-test"
    assert request["json"]["recipient"] == {"user_id": "800"}
    failed = Reply.objects.filter(state="failed")
    assert failed.count() == Reply.objects.count() and "-213" in failed.first().last_error


def test_an_unreachable_gateway_is_tried_again_later(client, admin_units, chat_settings, litter):
    _messenger_incident(client, sender="702")
    chat_settings.CHAT_MESSENGER_SEND_URL = "http://127.0.0.1:9/unreachable"
    chat_settings.CHAT_MESSENGER_PAGE_TOKEN = "t"
    assert deliver_replies() == 0
    reply = Reply.objects.first()
    assert (reply.state, reply.attempts) == ("waiting", 1) and "unreachable" in reply.last_error


def test_messenger_replies_after_the_24_hour_window_are_held(client, admin_units, chat_settings, litter, platform):
    _messenger_incident(client, sender="703")
    Conversation.objects.update(last_inbound_at=Conversation.objects.get().last_inbound_at - timedelta(days=2))
    chat_settings.CHAT_MESSENGER_SEND_URL = f"{platform.origin}/me/messages"
    chat_settings.CHAT_MESSENGER_PAGE_TOKEN = "t"
    deliver_replies()
    assert not platform.requests and set(Reply.objects.values_list("state", flat=True)) == {"held"}
    chat_settings.CHAT_MESSENGER_UPDATE_TAG = "ACCOUNT_UPDATE"
    platform.answer = {"message_id": "m"}
    Reply.objects.update(state="waiting", send_after=timezone.now())  # an operator sends them again
    deliver_replies()
    assert platform.requests[0]["json"]["messaging_type"] == "MESSAGE_TAG"
    assert platform.requests[0]["json"]["tag"] == "ACCOUNT_UPDATE"


def test_status_changes_and_the_resolution_are_relayed_once_each(client, admin_units, chat_settings, litter,
                                                                  dispatcher, settings):
    settings.INCIDENT_RESOLUTION_NEEDS_PHOTO = False
    incident = _messenger_incident(client, sender="704")
    assert relay_status_changes() == 0  # the receipt already told of the filing and the routing
    services.do_accept(incident=incident, actor=dispatcher, note="Đã chuyển đội vệ sinh")
    assert relay_status_changes() == 1 and relay_status_changes() == 0
    status = Reply.objects.get(kind="status")
    assert incident.tracking_code in status.text and "Đã chuyển đội vệ sinh" in status.text
    services.do_add_note(incident=incident, actor=dispatcher, note="nội bộ", public=False)
    assert relay_status_changes() == 0  # internal notes stay with the staff
    services.do_assign(incident=incident, actor=dispatcher, agency=_agency(dispatcher), reason="")
    services.do_resolve(incident=Incident.objects.get(), actor=dispatcher, note="Đã dựng lại biển")
    relay_status_changes()
    resolution = Reply.objects.get(kind="resolution")
    assert "Đã dựng lại biển" in resolution.text and "/incidents/track/" in resolution.text


def _agency(dispatcher):
    from portal.accounts.models import OrgUnit

    return OrgUnit.objects.create(code="chat-agency", name="Đội vệ sinh", kind=OrgUnit.Kind.AGENCY,
                                  parent=dispatcher.org_unit)


def test_photos_wait_without_a_gateway_and_are_fetched_from_allowed_origins_with_one(
        client, admin_units, chat_settings, litter, platform):
    platform.files["/photo.jpg"] = jpeg_bytes(size=(320, 240))
    platform.files["/broken.jpg"] = b"\xff\xd8\xff\xe0" + b"\x00" * 64
    incident = _zalo_incident(client, sender="801", attachments=[
        zalo_image(f"{platform.origin}/photo.jpg"), zalo_image(f"{platform.origin}/broken.jpg"),
        zalo_image("https://evil.example.net/x.jpg"), zalo_image(f"{platform.origin}/redirect.jpg")])
    assert fetch_pending_media() == 0 and not IncidentMedia.objects.exists()  # no gateway: nothing is fetched
    chat_settings.CHAT_ZALO_SEND_URL = f"{platform.origin}/v3.0/oa/message/cs"
    chat_settings.CHAT_ZALO_ACCESS_TOKEN = "t"
    chat_settings.CHAT_ZALO_MEDIA_ORIGINS = [platform.origin]
    assert fetch_pending_media() == 1
    media = IncidentMedia.objects.get()
    assert (media.incident, media.kind, media.content_type) == (incident, "photo", "image/jpeg")
    states = dict(Attachment.objects.values_list("url", "state"))
    assert states[f"{platform.origin}/photo.jpg"] == "fetched"
    assert states[f"{platform.origin}/broken.jpg"] == "refused"
    assert states["https://evil.example.net/x.jpg"] == "refused"
    assert states[f"{platform.origin}/redirect.jpg"] == "pending"  # a redirect is not followed: tried later
    assert Reply.objects.filter(kind="media").count() == 2  # the citizen hears of each refused file


def test_media_origins_match_scheme_host_and_port():
    origins = ["https://photo-stal.zadn.vn", "https://*.fbcdn.net"]
    assert origin_allowed("https://photo-stal.zadn.vn/a.jpg", origins)
    assert origin_allowed("https://scontent.xx.fbcdn.net/v/t1.jpg", origins)
    for url in ("http://photo-stal.zadn.vn/a.jpg", "https://photo-stal.zadn.vn:8443/a.jpg", "https://fbcdn.net/a",
                "https://evilfbcdn.net/a", "https://user@photo-stal.zadn.vn/a", "file:///etc/passwd",
                "https://photo-stal.zadn.vn.evil.org/a"):
        assert not origin_allowed(url, origins), url


def test_operators_see_what_waits_and_others_do_not(client, admin_units, chat_settings, litter, dispatcher,
                                                    roads_staff):
    incident = _messenger_incident(client, sender="705")
    assert client.get("/chat/outbox/").status_code == 302  # to the login page
    client.force_login(roads_staff)
    assert client.get("/chat/outbox/").status_code == 403
    client.force_login(dispatcher)
    page = client.get("/chat/outbox/").content.decode()
    assert incident.tracking_code in page and 'data-platform="messenger" data-configured="0"' in page
    assert "705" not in page  # the citizen's platform id is not shown


def test_the_dispatcher_filters_by_channel(client, admin_units, chat_settings, litter, dispatcher, ticket):
    _messenger_incident(client, sender="706")
    web = client.post("/api/incidents/", {"category": "rac-thai", "description": "web", "lon": PHAN_RANG[0],
                                          "lat": PHAN_RANG[1], "ticket": ticket}, content_type="application/json")
    assert web.status_code == 201, web.content
    client.force_login(dispatcher)
    only_messenger = client.get("/api/dispatch/incidents", {"channel": "messenger", "status": ""}).json()
    assert [f["properties"]["channel"] for f in only_messenger["features"]] == ["messenger"]
    assert len(client.get("/api/dispatch/incidents", {"status": ""}).json()["features"]) == 2
    assert client.get("/api/dispatch/incidents", {"channel": "fax"}).status_code == 422
    page = client.get("/dispatch/").content.decode()
    for value in ("zalo", "messenger", "app", "web", "hotline"):
        assert f'<option value="{value}"' in page


def test_the_beat_tasks_send_relay_and_purge(client, admin_units, chat_settings, litter, platform, dispatcher):
    from incidents.chat.models import SeenEvent
    from incidents.chat.tasks import deliver_replies_task, purge_task, relay_status_task

    incident = _messenger_incident(client, sender="707")
    chat_settings.CHAT_MESSENGER_SEND_URL = f"{platform.origin}/me/messages"
    chat_settings.CHAT_MESSENGER_PAGE_TOKEN = "t"
    platform.answer = {"message_id": "m"}
    assert deliver_replies_task.apply().get() == Reply.objects.count()
    services.do_accept(incident=incident, actor=dispatcher)
    assert relay_status_task.apply().get() == 1
    assert Reply.objects.get(kind="status").state == "sent"  # relayed and sent in the same run
    long_ago = timezone.now() - timedelta(days=10)
    SeenEvent.objects.update(seen_at=long_ago)
    idle = Conversation.objects.create(platform="zalo", sender_id="idle", last_inbound_at=long_ago)
    seen = SeenEvent.objects.count()
    assert purge_task.apply().get() == {"seen_events": seen, "closed_conversations": 1}
    assert seen and not SeenEvent.objects.exists()
    idle.refresh_from_db()
    assert idle.state == "closed"


def test_the_dispatch_page_links_to_the_replies_that_wait(client, admin_units, chat_settings, litter, dispatcher):
    _messenger_incident(client, sender="708")
    client.force_login(dispatcher)
    page = client.get("/dispatch/").content.decode()
    assert 'href="/chat/outbox/"' in page and f"({Reply.objects.count()})" in page


def test_a_new_message_from_the_citizen_reopens_the_messenger_window(client, admin_units, chat_settings, litter,
                                                                    platform):
    _messenger_incident(client, sender="709")
    Conversation.objects.update(last_inbound_at=timezone.now() - timedelta(days=3))
    # Days later the citizen writes again (a new conversation): older replies may go out as plain responses.
    assert messenger_post(client, messenger_payload(messenger_event("709", text="cảm ơn"))).status_code == 200
    chat_settings.CHAT_MESSENGER_SEND_URL = f"{platform.origin}/me/messages"
    chat_settings.CHAT_MESSENGER_PAGE_TOKEN = "t"
    platform.answer = {"message_id": "m"}
    deliver_replies()
    assert {r["json"]["messaging_type"] for r in platform.requests} == {"RESPONSE"}
    assert set(Reply.objects.values_list("state", flat=True)) == {"sent"}
