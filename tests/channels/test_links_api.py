"""Open links and printable QR codes over the HTTP API: shapes, isolation, images that scan."""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET

import zxingcpp
from PIL import Image

from conftest import make_workspace


def deliver(client, workspace, clock, external_id: str, *, delivered: bool = True) -> dict:
    body: dict[str, object] = {"external_id": external_id, "customer_id": f"c-{external_id}"}
    if delivered:
        body["delivered_at"] = (clock.now - dt.timedelta(minutes=15)).isoformat()
    posted = client.post("/api/v1/deliveries", json=body, headers=workspace.headers)
    assert posted.status_code == 200, posted.text
    return posted.json()


def scanned(png: bytes) -> str:
    image = Image.open(io.BytesIO(png))
    [result] = zxingcpp.read_barcodes(image)
    return result.text


def assert_image(response, content_type: str, filename: str) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    assert response.headers["content-disposition"] == f'inline; filename="{filename}"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


def test_create_list_print_and_revoke_a_link(client, workspace) -> None:
    created = client.post("/api/v1/links", json={"label": "receipts <north>"}, headers=workspace.headers)
    assert created.status_code == 201, created.text
    link = created.json()
    assert link["label"] == "receipts <north>" and link["active"] is True and link["responses"] == 0
    assert link["url"].startswith("http://testserver/o/") and link["delivery_external_id"] is None
    assert link["qr_png"] == f"http://testserver/api/v1/links/{link['id']}/qr.png"
    assert link["qr_svg"] == f"http://testserver/api/v1/links/{link['id']}/qr.svg"
    listed = client.get("/api/v1/links", headers=workspace.headers).json()
    assert listed == {"links": [link]}

    png = client.get(f"/api/v1/links/{link['id']}/qr.png", headers=workspace.headers)
    assert_image(png, "image/png", f"link-{link['id']}.png")
    assert scanned(png.content) == link["url"]
    with_ref = client.get(f"/api/v1/links/{link['id']}/qr.png", params={"ref": "F-1 北"}, headers=workspace.headers)
    assert scanned(with_ref.content) == link["url"] + "?ref=F-1+%E5%8C%97"
    assert with_ref.headers["content-disposition"] == f'inline; filename="link-{link["id"]}-F-1__.png"'

    svg = client.get(f"/api/v1/links/{link['id']}/qr.svg", headers=workspace.headers)
    assert_image(svg, "image/svg+xml", f"link-{link['id']}.svg")
    root = ET.fromstring(svg.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.findtext("{http://www.w3.org/2000/svg}title") == "receipts <north>"

    bigger = client.get(f"/api/v1/links/{link['id']}/qr.png", params={"scale": 16}, headers=workspace.headers)
    assert Image.open(io.BytesIO(bigger.content)).size[0] == 2 * Image.open(io.BytesIO(png.content)).size[0]
    assert client.get(f"/api/v1/links/{link['id']}/qr.jpg", headers=workspace.headers).status_code == 422
    assert client.get(f"/api/v1/links/{link['id']}/qr.png", params={"scale": 99},
                      headers=workspace.headers).status_code == 422

    revoked = client.delete(f"/api/v1/links/{link['id']}", headers=workspace.headers)
    assert revoked.status_code == 200 and revoked.json()["active"] is False and revoked.json()["revoked_at"]
    assert client.get(f"/api/v1/links/{link['id']}/qr.png", headers=workspace.headers).status_code == 410
    assert client.get(link["url"].removeprefix("http://testserver")).status_code == 410


def test_a_link_fixed_to_a_delivery(client, workspace, clock) -> None:
    deliver(client, workspace, clock, "GO-1", delivered=False)
    link = client.post("/api/v1/links", json={"label": "go-live", "delivery_external_id": "GO-1"},
                       headers=workspace.headers).json()
    assert link["delivery_external_id"] == "GO-1"
    png = client.get(f"/api/v1/links/{link['id']}/qr.png", params={"ref": "X"}, headers=workspace.headers)
    assert scanned(png.content) == link["url"]  # a fixed link carries no reference
    unknown = client.post("/api/v1/links", json={"label": "x", "delivery_external_id": "NOPE"},
                          headers=workspace.headers)
    assert unknown.status_code == 422
    assert "NOPE" in unknown.json()["error"]["message"]
    assert client.post("/api/v1/links", json={"label": ""}, headers=workspace.headers).status_code == 422


def test_another_workspace_sees_nothing(client, workspace, database, clock) -> None:
    other = make_workspace(database, "other")
    deliver(client, workspace, clock, "F-1")
    link = client.post("/api/v1/links", json={"label": "mine"}, headers=workspace.headers).json()
    for method, path in (("GET", f"/api/v1/links/{link['id']}"), ("DELETE", f"/api/v1/links/{link['id']}"),
                         ("GET", f"/api/v1/links/{link['id']}/qr.png"),
                         ("GET", "/api/v1/deliveries/F-1/invitation"),
                         ("GET", "/api/v1/deliveries/F-1/invitation/qr.svg")):
        response = client.request(method, path, headers=other.headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"]["type"] == "NotFound"
    assert client.get("/api/v1/links", headers=other.headers).json() == {"links": []}
    assert client.get(f"/api/v1/links/{link['id']}", headers=workspace.headers).json()["active"] is True
    assert client.get("/api/v1/links").status_code == 401
    assert client.get("/api/v1/deliveries/F-1/invitation/qr.png").status_code == 401


def test_a_deliverys_invitation_for_the_receipt_printer(client, workspace, clock) -> None:
    posted = deliver(client, workspace, clock, "F-1")
    [invitation] = posted["invitations"]
    deliver(client, workspace, clock, "F-2", delivered=False)

    info = client.get("/api/v1/deliveries/F-1/invitation", headers=workspace.headers)
    assert info.status_code == 200, info.text
    body = info.json()
    assert body["url"] == invitation["url"] and body["delivery_external_id"] == "F-1"
    assert body["status"] in ("pending", "sent") and body["expires_at"]
    assert body["qr_png"] == "http://testserver/api/v1/deliveries/F-1/invitation/qr.png"

    png = client.get("/api/v1/deliveries/F-1/invitation/qr.png", headers=workspace.headers)
    assert_image(png, "image/png", "invitation-F-1.png")
    assert scanned(png.content) == invitation["url"]
    svg = client.get("/api/v1/deliveries/F-1/invitation/qr.svg", headers=workspace.headers)
    assert_image(svg, "image/svg+xml", "invitation-F-1.svg")
    ET.fromstring(svg.content)

    none_yet = client.get("/api/v1/deliveries/F-2/invitation", headers=workspace.headers)
    assert none_yet.status_code == 404 and "no survey invitation" in none_yet.json()["error"]["message"]
    assert client.get("/api/v1/deliveries/F-404/invitation/qr.png", headers=workspace.headers).status_code == 404

    clock.advance(days=60)  # past any invitation's lifetime: a dead code is not printed
    assert client.get("/api/v1/deliveries/F-1/invitation", headers=workspace.headers).json()["status"] == "expired"
    assert client.get("/api/v1/deliveries/F-1/invitation/qr.png", headers=workspace.headers).status_code == 410


def test_the_routes_are_documented(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in (("/api/v1/links", "post"), ("/api/v1/links", "get"), ("/api/v1/links/{link_id}", "delete"),
                         ("/api/v1/links/{link_id}/qr.{kind}", "get"),
                         ("/api/v1/deliveries/{external_id}/invitation", "get"),
                         ("/api/v1/deliveries/{external_id}/invitation/qr.{kind}", "get")):
        assert paths[path][method].get("summary"), (method, path)
    assert "image/png" in paths["/api/v1/links/{link_id}/qr.{kind}"]["get"]["responses"]["200"]["content"]
