"""GET /api/admin-units/at: the commune, district and province holding a point, from real boundaries."""

import pytest

pytestmark = pytest.mark.django_db

PO_KLONG_GARAI = {"lon": 108.9497, "lat": 11.5992}  # the Cham towers on Đồi Trầu, phường Đô Vinh


def _names(body):
    return [(body[level] or {}).get("name") for level in ("commune", "district", "province")]


def test_point_in_phan_rang_thap_cham(client, admin_units):
    response = client.get("/api/admin-units/at", PO_KLONG_GARAI)
    assert response.status_code == 200, response.content
    body = response.json()
    assert _names(body) == ["Phường Đô Vinh", "Thành phố Phan Rang-Tháp Chàm", "Ninh Thuận"]
    assert body["commune"]["gso_code"] == "22738"
    assert body["commune"]["parent_id"] == body["district"]["id"]
    assert body["district"]["parent_id"] == body["province"]["id"]


def test_point_in_hanoi_and_at_sea(client, admin_units):
    hoan_kiem_lake = client.get("/api/admin-units/at", {"lon": 105.8523, "lat": 21.0287}).json()
    assert hoan_kiem_lake["province"]["name"] == "Hà Nội"
    assert hoan_kiem_lake["district"]["name"] == "Quận Hoàn Kiếm"
    assert hoan_kiem_lake["commune"] is None  # only Ninh Thuận's communes are loaded
    at_sea = client.get("/api/admin-units/at", {"lon": 110.5, "lat": 12.0}).json()
    assert _names(at_sea) == [None, None, None]


@pytest.mark.parametrize(("params", "field"), [
    ({"lon": "abc", "lat": 11.5}, "lon"),
    ({"lon": 108.9, "lat": 91}, "lat"),
    ({"lon": -181, "lat": 11.5}, "lon"),
    ({"lon": "nan", "lat": 11.5}, "lon"),
    ({"lat": 11.5}, "lon"),
    ({"lon": 108.9, "lat": 11.5, "date": "2025-13-01"}, "date"),
])
def test_bad_coordinates_are_422_with_field_and_reason(client, params, field):
    response = client.get("/api/admin-units/at", params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert field in [error["field"] for error in body["errors"]]
    assert all(error["reason"] for error in body["errors"])
