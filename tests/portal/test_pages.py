"""The portal shell: Vietnamese by default, English on request, login and logout."""

import pytest
from django.contrib.auth import get_user_model


@pytest.mark.django_db
def test_home_is_vietnamese_by_default(client):
    page = client.get("/").content.decode()
    assert "Cổng thông tin GIS tỉnh" in page
    assert '<html lang="vi">' in page


@pytest.mark.django_db
def test_english_browser_still_gets_vietnamese_until_english_is_chosen(client):
    assert "Cổng thông tin GIS tỉnh" in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Provincial GIS portal" in page and "Log in" in page
    assert "Cổng thông tin GIS tỉnh" not in page
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    assert "Đăng nhập" in client.get("/").content.decode()


@pytest.mark.django_db
def test_login_and_logout(client):
    get_user_model().objects.create_user(username="planner1", password="a-long-password-1")
    assert "Đăng nhập" in client.get("/accounts/login/").content.decode()
    bad = client.post("/accounts/login/", {"username": "planner1", "password": "wrong"})
    assert bad.status_code == 200
    assert "không khớp" in bad.content.decode()
    good = client.post("/accounts/login/", {"username": "planner1", "password": "a-long-password-1"})
    assert good.status_code == 302
    assert "planner1" in client.get("/").content.decode()
    assert client.get("/accounts/logout/").status_code == 405  # logging out takes a POST with CSRF
    client.post("/accounts/logout/")
    assert "planner1" not in client.get("/").content.decode()


def test_pages_reference_no_other_host(client, db):
    page = client.get("/").content.decode()
    assert "http://" not in page and "https://" not in page and "//cdn" not in page


@pytest.mark.django_db
def test_login_guessing_is_stopped_after_ten_failures(client, settings):
    import redis

    from portal.accounts.views import FAILED_LOGINS

    get_user_model().objects.create_user(username="dispatcher1", password="a-long-password-1")
    redis.Redis.from_url(settings.REDIS_URL).delete(FAILED_LOGINS._key("127.0.0.1"))
    for _ in range(10):
        assert client.post("/accounts/login/", {"username": "dispatcher1", "password": "guess"}).status_code == 200
    blocked = client.post("/accounts/login/", {"username": "dispatcher1", "password": "a-long-password-1"})
    assert blocked.status_code == 429
    assert "15 phút" in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    FAILED_LOGINS.reset("127.0.0.1")
    again = client.post("/accounts/login/", {"username": "dispatcher1", "password": "a-long-password-1"})
    assert again.status_code == 302
