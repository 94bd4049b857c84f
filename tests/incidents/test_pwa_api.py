"""The citizen app's endpoint files each draft once: a retry with the same Idempotency-Key and content gets the
same tracking code and reporter key, other content under that key is refused, two retries at once make one
incident, and a draft intake refuses (a corrupt photo) leaves nothing behind, its key included."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from incident_helpers import PHAN_RANG, jpeg_bytes

from incidents.citizen_app.idempotency import do_submit_once, fingerprint, seal, unseal
from incidents.citizen_app.models import SubmissionKey
from incidents.models import Category, Incident, IncidentMedia

KEY = "0b9e4c52-3f0a-4d4e-9a51-6c2f3f0c9e11"


def _form(ticket, **extra):
    return {"category": "pothole", "description": "Ổ gà sâu trước trường", "lon": str(PHAN_RANG[0]),
            "lat": str(PHAN_RANG[1]), "attributes": '{"size": "large"}', "ticket": ticket, **extra}


def _post(client, data, *, key=KEY, photo=None):
    if photo is not None:
        data = {**data, "media": SimpleUploadedFile("o-ga.jpg", photo, content_type="image/jpeg")}
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post("/api/app/reports", data, **headers)


@pytest.mark.django_db
def test_a_draft_sent_twice_is_filed_once_with_the_same_answer(client, admin_units, categories, ticket):
    photo = jpeg_bytes(size=(320, 240))
    first = _post(client, _form(ticket), photo=photo)
    assert first.status_code == 201, first.content
    body = first.json()
    incident = Incident.objects.get()
    assert (incident.channel, incident.attributes, body["tracking_code"]) == ("app", {"size": "large"},
                                                                             incident.tracking_code)
    assert IncidentMedia.objects.filter(incident=incident).count() == 1
    # The answer was lost; the phone sends the same draft again, hours later, with an expired ticket.
    again = _post(client, _form("expired-ticket"), photo=photo)
    assert again.status_code == 200, again.content
    assert again.json()["tracking_code"] == body["tracking_code"] and again.json()["replayed"] is True
    assert again.json()["reporter_key"] == body["reporter_key"]
    assert Incident.objects.count() == 1 and IncidentMedia.objects.count() == 1 and SubmissionKey.objects.count() == 1
    sealed = SubmissionKey.objects.get().sealed_reporter_key
    assert body["reporter_key"] not in sealed and KEY not in SubmissionKey.objects.get().key_digest


@pytest.mark.django_db
def test_the_same_key_with_other_content_is_refused(client, admin_units, categories, ticket):
    assert _post(client, _form(ticket)).status_code == 201
    other = _post(client, _form(ticket, description="Một ổ gà khác"))
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    other_photo = _post(client, _form(ticket), photo=jpeg_bytes(color=(1, 2, 3)))
    assert other_photo.status_code == 422 and Incident.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", [None, "", "short", "has spaces in it, sixteen+", "x" * 101])
def test_a_missing_or_malformed_key_is_refused(client, admin_units, categories, ticket, key):
    response = _post(client, _form(ticket), key=key)
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_required"
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_a_corrupt_photo_leaves_nothing_not_even_the_key(client, admin_units, categories, ticket, media_dir):
    truncated = jpeg_bytes(size=(640, 480))[:900]
    response = _post(client, _form(ticket), photo=truncated)
    assert response.status_code in (415, 422), response.content
    assert response.json()["errors"][0]["field"] == "media"
    assert not (Incident.objects.exists() or SubmissionKey.objects.exists() or IncidentMedia.objects.exists())
    assert not [p for p in media_dir.rglob("*") if p.is_file()]
    # Fixed on the phone and sent again under the same key: filed.
    fixed = _post(client, _form(ticket), photo=jpeg_bytes())
    assert fixed.status_code == 201, fixed.content


@pytest.mark.django_db
def test_the_spam_trap_still_applies_to_new_drafts(client, admin_units, categories):
    response = _post(client, _form(""))
    assert response.status_code == 400 and response.json()["code"] == "spam_suspected"
    assert not SubmissionKey.objects.exists()


def test_the_reporter_key_is_sealed_by_the_idempotency_key():
    sealed = seal(KEY, "Zm9vYmFyYmF6cXV4cXV1eA")
    assert unseal(KEY, sealed) == "Zm9vYmFyYmF6cXV4cXV1eA"
    assert unseal("another-key-0000000000", sealed) != "Zm9vYmFyYmF6cXV4cXV1eA"


def test_two_retries_at_once_make_one_incident(admin_units, committed):
    """Two requests with the same key race on the key's unique index: one files, the other answers as a retry."""
    from django.db import connection

    category = Category.objects.create(code="pwa-race", name_vi="Thử", name_en="Race", deadline_days=2)
    committed.append(category)
    data = {"category": "pwa-race", "description": "Cùng lúc", "lon": str(PHAN_RANG[0]), "lat": str(PHAN_RANG[1])}
    fp = fingerprint(data, [])
    results, errors, start = [], [], threading.Barrier(2)

    def send():
        try:
            start.wait()
            results.append(do_submit_once(key=KEY, fp=fp, data=data, files=[]))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    incidents = list(Incident.objects.filter(category=category))
    committed.extend(SubmissionKey.objects.filter(incident__in=incidents))
    committed.extend(incidents)
    assert not errors, errors
    assert len(incidents) == 1
    assert {r.incident.tracking_code for r in results} == {incidents[0].tracking_code}
    assert sorted(r.replayed for r in results) == [False, True]
    assert len({r.reporter_key for r in results}) == 1


@pytest.mark.django_db
def test_old_keys_are_forgotten(client, admin_units, categories, ticket):
    from datetime import timedelta

    from django.utils import timezone

    from incidents.citizen_app.tasks import KEEP_KEYS, purge_keys_task

    assert _post(client, _form(ticket)).status_code == 201
    assert purge_keys_task.apply().get() == 0
    SubmissionKey.objects.update(created_at=timezone.now() - KEEP_KEYS - timedelta(days=1))
    assert purge_keys_task.apply().get() == 1 and Incident.objects.count() == 1
