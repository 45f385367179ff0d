"""docs/openapi.json is what /api/v1/openapi.json serves, is OpenAPI 3.1,
describes every route of the HTTPS router, and names only paths that are
served."""

import json
import os
import re

from harness import SOURCE, Server, run

DOC = os.path.join(SOURCE, "docs", "openapi.json")
ROUTES = os.path.join(SOURCE, "src", "api", "routes.c")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch",
           "trace")
# An id that names nothing: a documented path with it may answer 404, but
# not the router's "nothing is served at".
NO_ID = "zzzzzzzzzzzzzzzz"


def https_routes():
    """(METHOD, pattern) of every line of the https table in routes.c but
    the ACME protocol's (JWS requests, described in docs/acme.md)."""
    with open(ROUTES) as f:
        text = f.read()
    m = re.search(r"https_table\[\]\s*=\s*\{(.*?)\n\};", text, re.S)
    assert m, "no https_table in " + ROUTES
    routes = re.findall(r'\{\s*"([A-Z]+)",\s*"(/[^"]*)"', m.group(1))
    assert len(routes) >= 4, routes
    assert len(set(routes)) == len(routes), "a route is listed twice"
    return {r for r in routes if not r[1].startswith("/acme/")}


def documented(doc):
    return {(method.upper(), path) for path, item in doc["paths"].items()
            for method in item if method in METHODS}


def refs(node):
    """Every $ref in a document."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


def resolve(doc, ref):
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        assert part in node, "unresolved $ref " + ref
        node = node[part]
    return node


def test_served_document_is_the_file_and_openapi_3_1():
    with open(DOC, "rb") as f:
        raw = f.read()
    s = Server().start()
    try:
        status, headers, body = s.get("/api/v1/openapi.json")
        assert status == 200, (status, body[:200])
        assert headers["content-type"] == "application/json", headers
        assert body == raw, "served document differs from docs/openapi.json"
        doc = json.loads(body)
        assert json.loads(raw) == doc
        assert re.fullmatch(r"3\.1\.\d+", doc["openapi"]), doc["openapi"]
        assert doc["info"]["title"] and doc["info"]["version"]
        for ref in refs(doc):
            resolve(doc, ref)
        schemes = doc["components"]["securitySchemes"]
        assert schemes["bearerToken"]["scheme"] == "bearer", schemes
        assert schemes["sessionCookie"]["in"] == "cookie", schemes
        assert schemes["sessionCookie"]["name"] == "pkiaas_session"
        assert schemes["csrfToken"]["in"] == "header", schemes
        assert schemes["csrfToken"]["name"] == "X-CSRF-Token", schemes
        problem = doc["components"]["schemas"]["Problem"]
        assert set(problem["required"]) == {"type", "title", "status",
                                            "detail"}, problem
        assert "field" in problem["properties"], problem
    finally:
        s.stop()


def test_every_route_is_documented_and_every_path_served():
    with open(DOC) as f:
        doc = json.load(f)
    routes, described = https_routes(), documented(doc)
    assert routes - described == set(), \
        "routes missing from docs/openapi.json: %s" % sorted(routes - described)
    assert described - routes == set(), \
        "documented but not routed: %s" % sorted(described - routes)
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            assert op.get("responses"), (method, path)
            for p in re.findall(r"\{(\w+)\}", path):
                params = [resolve(doc, q["$ref"]) if "$ref" in q else q
                          for q in op.get("parameters", [])]
                assert any(q["name"] == p and q["in"] == "path"
                           for q in params), \
                    "%s %s does not describe {%s}" % (method, path, p)
            body = op.get("requestBody")
            if body:
                assert "application/json" in body["content"], (method, path)

    s = Server().start()
    try:
        for method, path in sorted(described):
            url = re.sub(r"\{\w+\}", NO_ID, path)
            status, headers, body = s.request(
                method, url, body=b"{}" if method in ("POST", "PATCH")
                else None, headers={"Content-Type": "application/json"})
            assert status != 405, (method, url, body)
            if status == 404:
                detail = json.loads(body).get("detail", "")
                assert "nothing is served at" not in detail, (method, url)
    finally:
        s.stop()


if __name__ == "__main__":
    run(test_served_document_is_the_file_and_openapi_3_1,
        test_every_route_is_documented_and_every_path_served)
