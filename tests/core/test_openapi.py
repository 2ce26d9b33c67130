"""The OpenAPI document is the API's contract: every JSON route is in it, documented."""


def test_openapi_lists_every_api_route(client) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in [
        ("/api/v1/deliveries", "post"),
        ("/api/v1/deliveries/{external_id}", "get"),
        ("/api/v1/metrics/nps", "get"),
        ("/api/v1/cases", "get"),
        ("/api/v1/metrics/stages", "get"),
        ("/api/v1/metrics/drivers", "get"),
        ("/api/v1/metrics/trend", "get"),
        ("/api/v1/metrics/lateness", "get"),
        ("/api/v1/metrics/compare", "get"),
        ("/api/v1/responses", "get"),
    ]:
        op = paths[path][method]
        assert op.get("summary"), f"{method.upper()} {path} has no summary"
    api_routes = {p for p in paths if p.startswith("/api/")}
    from doorstep.api import cases, deliveries, insight, jobs, links, metrics, webhooks

    modules = (cases, deliveries, metrics, insight, jobs, links, webhooks)
    app_routes = {r.path for m in modules for r in m.router.routes if getattr(r, "include_in_schema", True)}
    assert api_routes == app_routes
    assert "bearer" in str(spec["components"]["securitySchemes"]).lower()
