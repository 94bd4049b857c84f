"""A chat conversation becomes one incident through intake: the menu picks the category, a place outside the
province is refused with a message, no place brings a one-time pin-drop link whose pin files the incident,
photos sent just after are added, and CANCEL drops the draft."""

import pytest
from chat_helpers import (
    configure_chat,
    image,
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
from incident_helpers import NHA_TRANG, PHAN_RANG

from incidents.chat.models import Attachment, Conversation, Reply
from incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat_settings(settings):
    return configure_chat(settings)


@pytest.fixture
def litter(db):
    return make_litter()


def _say(client, sender, *events):
    response = messenger_post(client, messenger_payload(*(messenger_event(sender, **e) for e in events)))
    assert response.status_code == 200, response.content
    return response


def test_the_first_message_gets_the_welcome_with_the_menu(client, chat_settings, litter, categories):
    _say(client, "900", {"text": "xin chào"})
    welcome = Reply.objects.get(kind="welcome")
    assert "1. Ổ gà, hư hỏng mặt đường / Pothole" in welcome.text and "2. Rác thải / Litter" in welcome.text
    # The categories the web form offers, in its order (migrations may add more after these).
    assert welcome.state == "waiting" and Conversation.objects.get().menu[:3] == ["pothole", "rac-thai", "water-leak"]


def test_send_without_a_category_asks_for_one_and_the_choice_files_it(client, admin_units, chat_settings, litter):
    _say(client, "901", {"text": "Đèn đường hỏng"}, {"attachments": [location(*PHAN_RANG)]})
    assert not Incident.objects.exists()
    assert Reply.objects.filter(kind="prompt", text__contains="Phản ánh thuộc loại nào").exists()
    _say(client, "901", {"text": "1"})
    incident = Incident.objects.get()
    assert (incident.category.code, incident.channel, incident.description) == ("rac-thai", "messenger",
                                                                                "Đèn đường hỏng")


def test_the_default_category_is_used_when_set(client, admin_units, chat_settings, litter):
    chat_settings.CHAT_DEFAULT_CATEGORY = "rac-thai"
    _say(client, "902", {"text": "Rác"}, {"attachments": [location(*PHAN_RANG)]})
    assert Incident.objects.get().category == litter


def test_a_place_outside_the_province_is_refused_with_a_message(client, admin_units, chat_settings, litter):
    zalo_post(client, zalo_payload("903", "user_send_text", text="1"))
    zalo_post(client, zalo_payload("903", "user_send_text", text="Cây đổ"))
    response = zalo_post(client, zalo_payload("903", "user_send_location", attachments=[zalo_location(*NHA_TRANG)]))
    assert response.status_code == 200 and not Incident.objects.exists()
    refusal = Reply.objects.get(kind="refused")
    assert "Khánh Hòa" in refusal.text or "outside" in refusal.text
    conversation = Conversation.objects.get()
    assert (conversation.state, conversation.lon) == ("collecting", None)  # the place is asked for again
    zalo_post(client, zalo_payload("903", "user_send_location", attachments=[zalo_location(*PHAN_RANG)]))
    assert Incident.objects.get().channel == "zalo"


def test_no_place_brings_a_pin_drop_link_that_files_the_incident_once(client, admin_units, chat_settings, litter):
    _say(client, "904", {"text": "1"}, {"text": "Ống nước vỡ"}, {"attachments": [image()]}, {"text": "gửi"})
    assert not Incident.objects.exists()
    link = Reply.objects.get(kind="pin_drop")
    url = next(word for word in link.text.split() if "/chat/pin/" in word)
    path = url[url.index("/chat/pin/"):]
    conversation = Conversation.objects.get()
    assert conversation.state == "awaiting_pin" and path.rsplit("/", 1)[1] not in conversation.pin_digest

    page = client.get(path)
    assert page.status_code == 200 and "Ống nước vỡ" in page.content.decode()
    outside = client.post(path, {"lon": NHA_TRANG[0], "lat": NHA_TRANG[1]})
    assert outside.status_code == 422 and not Incident.objects.exists()  # still usable after a refused place
    dropped = client.post(path, {"lon": PHAN_RANG[0], "lat": PHAN_RANG[1]})
    incident = Incident.objects.get()
    assert dropped.status_code == 302 and dropped["Location"] == f"/incidents/track/{incident.tracking_code}"
    assert (incident.channel, incident.description) == ("messenger", "Ống nước vỡ")
    assert Attachment.objects.get().incident == incident
    assert Reply.objects.filter(kind="receipt", incident=incident).count() == 1
    again = client.post(path, {"lon": PHAN_RANG[0], "lat": PHAN_RANG[1]})
    assert again.status_code == 410 and Incident.objects.count() == 1
    assert client.get(path).status_code == 410
    assert client.get("/chat/pin/not-a-key").status_code == 410


def test_sharing_the_place_in_the_chat_spends_the_pin_link(client, admin_units, chat_settings, litter):
    _say(client, "905", {"text": "1"}, {"text": "Ngập nước"}, {"text": "send"})
    path = next(w for w in Reply.objects.get(kind="pin_drop").text.split() if "/chat/pin/" in w)
    _say(client, "905", {"attachments": [location(*PHAN_RANG)]})
    assert Incident.objects.count() == 1
    assert client.get(path[path.index("/chat/pin/"):]).status_code == 410


def test_photos_just_after_filing_are_added_to_the_incident(client, admin_units, chat_settings, litter):
    zalo_post(client, zalo_payload("906", "user_send_text", text="1"))
    zalo_post(client, zalo_payload("906", "user_send_text", text="Hố ga mất nắp"))
    zalo_post(client, zalo_payload("906", "user_send_location", attachments=[zalo_location(*PHAN_RANG)]))
    incident = Incident.objects.get()
    response = zalo_post(client, zalo_payload("906", "user_send_image", attachments=[zalo_image()]))
    assert response.status_code == 200
    assert Attachment.objects.get().incident == incident and Conversation.objects.count() == 1
    assert Reply.objects.filter(kind="media", text__contains=incident.tracking_code).exists()


def test_cancel_drops_the_draft_and_the_next_message_starts_anew(client, chat_settings, litter):
    _say(client, "907", {"text": "nhầm"}, {"text": "hủy"})
    assert Conversation.objects.get().state == "closed"
    _say(client, "907", {"text": "Rác thải"})
    assert Conversation.objects.filter(state="collecting").get().description == "Rác thải"


def test_voice_and_files_get_a_hint(client, chat_settings, litter):
    _say(client, "908", {"attachments": [{"type": "audio", "payload": {"url": "https://lookaside.fbsbx.com/a"}}]})
    assert Reply.objects.filter(kind="prompt", text__contains="Chỉ nhận").exists()
    assert not Attachment.objects.exists()


def test_too_long_a_description_is_cut_and_told(client, chat_settings, litter, settings):
    settings.INCIDENT_MAX_DESCRIPTION = 20
    _say(client, "909", {"text": "x" * 15}, {"text": "y" * 15})
    assert len(Conversation.objects.get().description) == 20
    assert Reply.objects.filter(kind="prompt", text__contains="20").exists()
