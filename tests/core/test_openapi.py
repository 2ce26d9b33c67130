"""The OpenAPI document is the API's contract: every JSON route is in it, documented."""


def test_openapi_lists_every_api_route(client) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in [
        ("/api/v1/deliveries", "post"),
        ("/api/v1/deliveries/{external_id}", "get"),
        ("/api/v1/metrics/nps", "get"),
        ("/api/v1/cases", "get"),
    ]:
        op = paths[path][method]
        assert op.get("summary"), f"{method.upper()} {path} has no summary"
    api_routes = {p for p in paths if p.startswith("/api/")}
    from doorstep.api import cases, deliveries, metrics

    app_routes = {r.path for m in (cases, deliveries, metrics) for r in m.router.routes}
    assert api_routes == app_routes
    assert "bearer" in str(spec["components"]["securitySchemes"]).lower()
