"""Chat webhooks refuse what is not the platform's: a wrong signature (401), an old timestamp (403), an event
id seen before (409), and bad input (400, 413, 422), each storing nothing; signed deliveries file incidents."""

import json

import pytest
from chat_helpers import (
    MESSENGER_VERIFY,
    FakePlatform,
    configure_chat,
    image,
    location,
    make_litter,
    messenger_event,
    messenger_payload,
    messenger_post,
    now_ms,
    sign_messenger,
    video,
    zalo_image,
    zalo_location,
    zalo_mac,
    zalo_payload,
    zalo_post,
    zalo_video,
)
from incident_helpers import PHAN_RANG, small_mp4

from incidents.chat.media_fetch import fetch_pending_media
from incidents.chat.models import Attachment, Conversation, Reply, SeenEvent
from incidents.models import Incident, IncidentMedia

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat_settings(settings):
    return configure_chat(settings)


@pytest.fixture
def litter(db):
    return make_litter()


def _nothing_stored():
    return not (Incident.objects.exists() or Conversation.objects.exists() or SeenEvent.objects.exists()
                or Reply.objects.exists() or Attachment.objects.exists())


def test_a_signed_messenger_conversation_files_a_messenger_incident(client, admin_units, chat_settings, litter):
    sender = "6543210987654321"
    first = messenger_post(client, messenger_payload(
        messenger_event(sender, text="Rác đổ trộm bên đường"), messenger_event(sender, text="1"),
        messenger_event(sender, attachments=[image()])))
    assert first.status_code == 200, first.content
    assert first.json()["accepted"] == 3 and not Incident.objects.exists()
    placed = messenger_post(client, messenger_payload(
        messenger_event(sender, attachments=[location(*PHAN_RANG)])))
    assert placed.status_code == 200, placed.content
    incident = Incident.objects.get()
    assert (incident.channel, incident.category.code) == ("messenger", "rac-thai")
    assert incident.description == "Rác đổ trộm bên đường"
    assert incident.geom.x == pytest.approx(PHAN_RANG[0]) and incident.geom.y == pytest.approx(PHAN_RANG[1])
    assert sender not in json.dumps(incident.extra) and not incident.reporter_name
    conversation = Conversation.objects.get()
    assert (conversation.state, conversation.incident) == ("submitted", incident)
    attachment = Attachment.objects.get()
    assert (attachment.incident, attachment.state) == (incident, "pending")  # no gateway: the photo waits
    receipt = Reply.objects.get(kind="receipt")
    assert incident.tracking_code in receipt.text and receipt.state == "waiting"


def test_a_signed_zalo_conversation_files_a_zalo_incident(client, admin_units, chat_settings, litter):
    sender = "2468013579246801"
    for body in (zalo_payload(sender, "user_send_text", text="Bãi rác tự phát"),
                 zalo_payload(sender, "user_send_image", attachments=[zalo_image()], text="ảnh đây"),
                 zalo_payload(sender, "user_send_text", text="1"),
                 zalo_payload(sender, "user_send_location", attachments=[zalo_location(*PHAN_RANG)],
                              text="Chợ Phan Rang")):
        response = zalo_post(client, body)
        assert response.status_code == 200, response.content
    incident = Incident.objects.get()
    assert (incident.channel, incident.address) == ("zalo", "Chợ Phan Rang")
    assert incident.description == "Bãi rác tự phát\nảnh đây"
    assert Attachment.objects.get().incident == incident


@pytest.mark.parametrize("platform", ["messenger", "zalo"])
def test_a_video_becomes_the_incidents_video(client, admin_units, chat_settings, litter, platform):
    """A Messenger video attachment or a Zalo user_send_video waits as a video; with the gateway set, the clip
    is fetched from the platform's media host and attached to the incident as a video, checked like an upload."""
    clip = small_mp4()
    with FakePlatform() as host:
        host.files["/clip.mp4"] = clip
        url = f"{host.origin}/clip.mp4"
        if platform == "messenger":
            sender = "9080706050403020"
            posts = [messenger_post(client, messenger_payload(
                messenger_event(sender, text="Nước thải tràn ra đường"), messenger_event(sender, text="1"),
                messenger_event(sender, attachments=[video(url)]))),
                messenger_post(client, messenger_payload(messenger_event(sender, attachments=[location(*PHAN_RANG)])))]
            chat_settings.CHAT_MESSENGER_SEND_URL = f"{host.origin}/me/messages"
            chat_settings.CHAT_MESSENGER_PAGE_TOKEN = "t"
            chat_settings.CHAT_MESSENGER_MEDIA_ORIGINS = [host.origin]
        else:
            sender = "1357924680135792"
            posts = [zalo_post(client, body) for body in (
                zalo_payload(sender, "user_send_text", text="Nước thải tràn ra đường"),
                zalo_payload(sender, "user_send_text", text="1"),
                zalo_payload(sender, "user_send_video", attachments=[zalo_video(url, size=len(clip))]),
                zalo_payload(sender, "user_send_location", attachments=[zalo_location(*PHAN_RANG)]))]
            chat_settings.CHAT_ZALO_SEND_URL = f"{host.origin}/v3.0/oa/message/cs"
            chat_settings.CHAT_ZALO_ACCESS_TOKEN = "t"
            chat_settings.CHAT_ZALO_MEDIA_ORIGINS = [host.origin]
        for response in posts:
            assert response.status_code == 200, response.content
        incident = Incident.objects.get()
        attachment = Attachment.objects.get()
        assert (incident.channel, attachment.incident, attachment.kind, attachment.url) == (
            platform, incident, "video", url)
        assert fetch_pending_media() == 1
    media = IncidentMedia.objects.get()
    attachment.refresh_from_db()
    assert (attachment.state, attachment.media) == ("fetched", media)
    assert (media.incident, media.kind, media.content_type, media.size_bytes) == (
        incident, "video", "video/mp4", len(clip))
    assert (media.width, media.height) == (64, 48) and media.duration_s == pytest.approx(0.5, abs=0.1)
    assert media.original.read() == clip


@pytest.mark.parametrize("platform", ["messenger", "zalo"])
def test_a_wrong_signature_is_refused_and_stores_nothing(client, admin_units, chat_settings, litter, platform):
    if platform == "messenger":
        payload = messenger_payload(messenger_event("111", attachments=[location(*PHAN_RANG)], text="x"))
        body = json.dumps(payload).encode()
        wrong_secret = messenger_post(client, payload, secret="not-the-secret")
        unsigned = messenger_post(client, payload, signature="")
        # Signed as sent, then changed on the way: the signature no longer covers the body.
        tampered = messenger_post(client, None, raw=body.replace(b'"x"', b'"y"'), signature=sign_messenger(body))
    else:
        payload = zalo_payload("111", "user_send_text", text="x")
        body = json.dumps(payload).encode()
        wrong_secret = zalo_post(client, payload, secret="not-the-secret")
        unsigned = zalo_post(client, payload, signature="")
        tampered = zalo_post(client, payload, raw=body.replace(b'"x"', b'"y"'),
                             signature=zalo_mac(body, payload["timestamp"]))
    for response in (wrong_secret, unsigned, tampered):
        assert response.status_code == 401, response.content
        assert response.json()["code"] == "bad_signature"
    assert _nothing_stored()


def test_a_zalo_delivery_for_another_app_is_refused(client, chat_settings, litter):
    payload = zalo_payload("111", "user_send_text", text="x", app_id="999")
    # Signed correctly for the other app id: the MAC covers our app id, so it does not match.
    assert zalo_post(client, payload).status_code == 401 and _nothing_stored()


@pytest.mark.parametrize("platform", ["messenger", "zalo"])
def test_an_old_or_future_timestamp_is_refused(client, chat_settings, litter, platform):
    for offset in (-3600, +3600):
        if platform == "messenger":
            response = messenger_post(client, messenger_payload(
                messenger_event("222", text="x", timestamp=now_ms(offset))))
        else:
            response = zalo_post(client, zalo_payload("222", "user_send_text", text="x", timestamp=now_ms(offset)))
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "stale_event"
    assert _nothing_stored()


@pytest.mark.parametrize("platform", ["messenger", "zalo"])
def test_a_replayed_event_id_is_refused_and_changes_nothing(client, admin_units, chat_settings, litter, platform):
    if platform == "messenger":
        payload = messenger_payload(messenger_event("333", text="Cống nghẹt"))
        post = lambda: messenger_post(client, payload)  # noqa: E731
    else:
        payload = zalo_payload("333", "user_send_text", text="Cống nghẹt")
        post = lambda: zalo_post(client, payload)  # noqa: E731
    assert post().status_code == 200
    before = (Conversation.objects.get().description, Reply.objects.count(), SeenEvent.objects.count())
    replay = post()
    assert replay.status_code == 409, replay.content
    assert replay.json()["code"] == "replayed_event"
    assert (Conversation.objects.get().description, Reply.objects.count(), SeenEvent.objects.count()) == before
    assert before[0] == "Cống nghẹt"  # not "Cống nghẹt\nCống nghẹt"


def test_a_batch_with_new_and_seen_events_takes_the_new_ones_only(client, chat_settings, litter):
    seen = messenger_event("444", text="một", mid="m_seen")
    assert messenger_post(client, messenger_payload(seen)).status_code == 200
    both = messenger_post(client, messenger_payload(seen, messenger_event("444", text="hai")))
    assert both.status_code == 200 and both.json()["replayed"] == 1
    assert Conversation.objects.get().description == "một\nhai"


def test_malformed_json_is_a_400_and_stores_nothing(client, chat_settings):
    for raw in (b"{not json", b"[1, 2]", b'{"object": "page", "entry": [{"messaging": [{}]}]}'):
        response = messenger_post(client, None, raw=raw)
        assert response.status_code == 400, (raw, response.content)
        assert response.json()["code"] == "malformed_payload"
    for raw in (b"{not json", b'{"event_name": "user_send_text"}'):
        response = zalo_post(client, {}, raw=raw, signature="mac=0")
        assert response.status_code == 400, (raw, response.content)
    assert _nothing_stored()


def test_unknown_event_types_are_a_422_and_store_nothing(client, chat_settings):
    unknown_object = messenger_post(client, {"object": "instagram", "entry": []})
    strange = messenger_post(client, messenger_payload({"sender": {"id": "5"}, "recipient": {"id": "6"},
                                                        "timestamp": now_ms(), "hologram": {}}))
    odd_attachment = messenger_post(client, messenger_payload(
        messenger_event("5", attachments=[{"type": "teleport", "payload": {}}])))
    zalo_unknown = zalo_post(client, zalo_payload("5", "user_send_telepathy", text="?"))
    for response in (unknown_object, strange, odd_attachment, zalo_unknown):
        assert response.status_code == 422, response.content
        assert response.json()["code"] == "unknown_event"
    assert _nothing_stored()


def test_known_events_we_do_not_use_are_accepted_and_ignored(client, chat_settings):
    receipt = {"sender": {"id": "7"}, "recipient": {"id": "8"}, "timestamp": now_ms(),
               "read": {"watermark": now_ms()}}
    echo = messenger_event("7", text="our own words")
    echo["message"]["is_echo"] = True
    response = messenger_post(client, messenger_payload(receipt, echo))
    assert response.status_code == 200 and response.json()["ignored"] == 2
    follow = zalo_post(client, {"app_id": "1234567890123456789", "event_name": "follow", "timestamp": str(now_ms()),
                                "follower": {"id": "9"}, "oa_id": "1", "source": "testing"})
    assert follow.status_code == 200, follow.content
    assert not Conversation.objects.exists() and not Reply.objects.exists()


def test_attachments_over_the_limit_are_a_413_and_store_nothing(client, chat_settings, litter, settings):
    settings.INCIDENT_MAX_FILES = 2
    three = messenger_post(client, messenger_payload(
        messenger_event("555", text="nhiều ảnh", attachments=[image(f"https://lookaside.fbsbx.com/{i}")
                                                              for i in range(3)])))
    assert three.status_code == 413, three.content
    assert three.json()["code"] == "too_many_attachments"
    huge = zalo_post(client, zalo_payload("555", "user_send_image", attachments=[zalo_image(size=200 * 2**20)]))
    assert huge.status_code == 413 and huge.json()["code"] == "attachment_too_large"
    assert _nothing_stored()


def test_an_oversized_body_is_a_413(client, chat_settings, settings):
    settings.CHAT_MAX_BODY_BYTES = 1024
    response = messenger_post(client, messenger_payload(messenger_event("6", text="x" * 5000)))
    assert response.status_code == 413 and _nothing_stored()


def test_the_messenger_handshake_echoes_the_challenge_for_our_token_only(client, chat_settings):
    good = client.get("/api/chat/messenger/webhook", {"hub.mode": "subscribe", "hub.verify_token": MESSENGER_VERIFY,
                                                      "hub.challenge": "1158201444"})
    assert (good.status_code, good.content, good["Content-Type"]) == (200, b"1158201444", "text/plain")
    bad = client.get("/api/chat/messenger/webhook", {"hub.mode": "subscribe", "hub.verify_token": "guess",
                                                     "hub.challenge": "1158201444"})
    assert bad.status_code == 403 and b"1158201444" not in bad.content


def test_an_unconfigured_channel_answers_503(client, settings):
    settings.CHAT_MESSENGER_APP_SECRET = settings.CHAT_ZALO_OA_SECRET_KEY = ""
    assert messenger_post(client, messenger_payload(messenger_event("1", text="x"))).status_code == 503
    assert zalo_post(client, zalo_payload("1", "user_send_text", text="x")).status_code == 503
    assert _nothing_stored()
