"""In a real Chromium: the API docs page renders from the portal's own assets, with no other host."""

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def test_swagger_docs_render_offline(portal_server, browser, tmp_path):
    page = browser.new_page()
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(f"{portal_server}/api/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    assert "GIS portal API" in page.inner_text(".swagger-ui .info .title")
    page.locator(".opblock-summary-path", has_text="/api/admin-units/at").first.wait_for(timeout=20_000)
    assert hosts == {urlsplit(portal_server).netloc}
    page.screenshot(path=str(tmp_path / "docs.png"))
    page.close()


def test_home_page_in_vietnamese_then_english_from_the_menu(portal_server, browser):
    page = browser.new_page(locale="en-US")
    page.goto(portal_server + "/")
    assert page.inner_text("h1") == "Cổng thông tin GIS tỉnh"
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.inner_text("h1") == "Provincial GIS portal"
    page.close()
