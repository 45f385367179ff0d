"""The conventions of docs/api.md, against a running server: strict JSON
bodies, problem documents naming the field, CSRF on session requests and
not on token requests, cursor pagination, the session cookie's flags."""

import json
import re
import urllib.parse

from harness import Server, problem, run

JSON = {"Content-Type": "application/json"}


class Client:
    """The first start's admin, logged in, with a session and a token."""

    def __init__(self, s):
        self.s = s
        m = re.search(r"Login: +admin / (\S+)", s.output())
        assert m, s.output()
        status, headers, body = s.request(
            "POST", "/api/v1/auth/login",
            json.dumps({"username": "admin", "password": m.group(1)}), JSON)
        assert status == 200, body
        self.login = json.loads(body)
        self.set_cookie = headers["set-cookie"]
        cookie = self.set_cookie.split(";", 1)[0]
        assert cookie.startswith("pkiaas_session="), cookie
        self.session = {"Cookie": cookie}
        self.csrf = {**self.session,
                     "X-CSRF-Token": self.login["csrf_token"]}
        status, _, body = self.post("/api/v1/tokens", {"name": "conv"},
                                    self.csrf)
        assert status == 201, body
        self.bearer = {"Authorization": "Bearer " + json.loads(body)["token"]}

    def post(self, path, doc, auth, raw=None, content_type=JSON):
        body = raw if raw is not None else json.dumps(doc)
        return self.s.request("POST", path, body, {**content_type, **auth})

    def get(self, path, auth=None):
        status, headers, body = self.s.request("GET", path, None,
                                               auth or self.bearer)
        return status, headers, json.loads(body) if body else None

    def token_ids(self):
        ids, cursor = [], None
        while True:
            q = "?limit=200" + ("&cursor=" + cursor if cursor else "")
            status, _, doc = self.get("/api/v1/tokens" + q)
            assert status == 200, doc
            ids += [t["id"] for t in doc["items"]]
            cursor = doc["next_cursor"]
            if cursor is None:
                return ids


def refused(reply, status, field=None):
    """Asserts a problem document of status naming field; returns it."""
    st, headers, body = reply
    assert st == status, (st, body)
    doc = problem(body, headers, status)
    if field is not None:
        assert doc.get("field") == field, doc
    return doc


def test_bodies_are_parsed_strictly():
    s = Server().start()
    try:
        c = Client(s)
        before = c.token_ids()
        url = "/api/v1/tokens"
        refused(c.post(url, {"name": "x", "colour": "red"}, c.bearer), 400,
                "colour")
        refused(c.post(url, {"name": 5}, c.bearer), 400, "name")
        refused(c.post(url, {"name": "x", "expires_in_days": "7"},
                       c.bearer), 400, "expires_in_days")
        refused(c.post(url, {}, c.bearer), 400, "name")
        refused(c.post(url, None, c.bearer,
                       raw='{"name": "a", "name": "b"}'), 400)
        refused(c.post(url, None, c.bearer, raw="name=a"), 400)
        refused(c.post(url, None, c.bearer, raw='["name"]'), 400)
        refused(c.post(url, None, c.bearer, raw='{"name": "a"'), 400)
        refused(c.post(url, None, c.bearer, raw='{"name": "a"}',
                       content_type={"Content-Type": "text/plain"}), 415)
        refused(c.post(url, None, c.bearer, raw='{"name": "a"}',
                       content_type={"Content-Type":
                                     "application/x-www-form-urlencoded"}),
                415)
        # A rule of the engine names its field the same way.
        refused(c.post(url, {"name": "x", "expires_in_days": 0}, c.bearer),
                400, "expires_in_days")
        refused(c.post(url, {"name": "x", "role": "root"}, c.bearer), 400,
                "role")
        refused(c.post("/api/v1/users", {"username": "bob", "password":
                                          "short", "role": "operator"},
                       c.bearer), 400, "password")
        assert c.token_ids() == before, "a refused request changed state"
    finally:
        s.stop()


def test_csrf_is_required_with_a_session_and_not_with_a_token():
    s = Server().start()
    try:
        c = Client(s)
        before = c.token_ids()
        refused(c.post("/api/v1/tokens", {"name": "forged"}, c.session), 403)
        wrong = {**c.session, "X-CSRF-Token": "x" * 32}
        refused(c.post("/api/v1/tokens", {"name": "forged"}, wrong), 403)
        refused(s.request("DELETE", "/api/v1/tokens/" + before[0], None,
                          c.session), 403)
        refused(c.post("/api/v1/auth/logout", {}, c.session), 403)
        assert c.token_ids() == before, "a request without CSRF changed state"
        # A read needs no CSRF token; a token request never does.
        assert c.get("/api/v1/me", c.session)[0] == 200
        status, _, body = c.post("/api/v1/tokens", {"name": "by-token"},
                                 c.bearer)
        assert status == 201, body
        assert len(c.token_ids()) == len(before) + 1
        # The session still works, then logout ends it and clears the cookie.
        status, headers, body = c.post("/api/v1/auth/logout", None, c.csrf,
                                       raw="")
        assert status == 204 and body == b"", (status, body)
        assert "Max-Age=0" in headers["set-cookie"], headers
        refused(s.request("GET", "/api/v1/me", None, c.session), 401)
    finally:
        s.stop()


def test_cursor_paging_returns_each_item_once():
    s = Server().start()
    try:
        c = Client(s)
        for i in range(11):
            status, _, body = c.post("/api/v1/tokens", {"name": f"t{i}"},
                                     c.bearer)
            assert status == 201, body
        every = c.token_ids()
        assert len(every) == 12 and len(set(every)) == 12, every
        seen, cursor, pages = [], None, 0
        while True:
            q = "?limit=4" + ("&cursor=" + urllib.parse.quote(cursor)
                              if cursor else "")
            status, _, doc = c.get("/api/v1/tokens" + q)
            assert status == 200, doc
            assert len(doc["items"]) <= 4, doc
            seen += [t["id"] for t in doc["items"]]
            pages += 1
            cursor = doc["next_cursor"]
            if cursor is None:
                break
            # Adding objects while paging does not repeat or skip any.
            if pages == 2:
                c.post("/api/v1/tokens", {"name": "late"}, c.bearer)
        assert len(seen) == len(set(seen)), "an item came twice"
        assert set(every) <= set(seen), "an item was skipped"
        assert pages >= 3, pages
        # The default page is 50, and the last page says so.
        status, _, doc = c.get("/api/v1/tokens")
        assert status == 200 and doc["next_cursor"] is None, doc
        assert len(doc["items"]) == len(every) + 1, doc
        assert set(seen) <= {t["id"] for t in doc["items"]}
        for t in doc["items"]:
            assert "secret_hash" not in t and "token" not in t, t
            assert set(t) == {"id", "name", "role", "user", "created_at",
                              "expires_at", "last_used_at", "revoked_at"}, t
    finally:
        s.stop()


def test_bad_query_arguments_are_refused():
    s = Server().start()
    try:
        c = Client(s)
        for limit in ("0", "201", "-1", "abc", "5x", "", "1e3",
                      "99999999999999999999999"):
            reply = s.request("GET", "/api/v1/tokens?limit=" + limit, None,
                              c.bearer)
            refused(reply, 400, "limit")
        assert c.get("/api/v1/tokens?limit=200")[0] == 200
        assert c.get("/api/v1/tokens?limit=1")[0] == 200
        for cursor in ("!!!", "a", "====", "%00", "Zm9v%2Fbar"):
            reply = s.request("GET", "/api/v1/tokens?cursor=" + cursor,
                              None, c.bearer)
            refused(reply, 400, "cursor")
        for path in ("/api/v1/users", "/api/v1/audit", "/api/v1/tenants",
                     "/api/v1/invitations"):
            refused(s.request("GET", path + "?limit=0", None, c.bearer),
                    400, "limit")
            refused(s.request("GET", path + "?cursor=***", None, c.bearer),
                    400, "cursor")
        for arg in ("since", "until"):
            for bad in ("yesterday", "-5", "1.5", " 1"):
                reply = s.request(
                    "GET", "/api/v1/audit?%s=%s" % (
                        arg, urllib.parse.quote(bad)), None, c.bearer)
                refused(reply, 400, arg)
        status, _, doc = c.get("/api/v1/audit?since=0&until=99999999999"
                               "&limit=2")
        assert status == 200 and len(doc["items"]) == 2, doc
        assert doc["next_cursor"] is not None, doc
        status, _, older = c.get("/api/v1/audit?limit=2&cursor="
                                 + doc["next_cursor"])
        assert status == 200, older
        assert older["items"][0]["seq"] < doc["items"][-1]["seq"], older
    finally:
        s.stop()


def test_session_cookie_flags_and_errors_are_problems():
    s = Server().start()
    try:
        c = Client(s)
        flags = [f.strip() for f in c.set_cookie.split(";")]
        assert "HttpOnly" in flags and "Secure" in flags, flags
        assert "SameSite=Strict" in flags, flags
        assert c.login["user"]["username"] == "admin", c.login
        assert set(c.login) == {"user", "tenant", "role", "csrf_token",
                                "expires_at"}, c.login
        assert c.login["role"] == "admin" and c.login["tenant"]["name"]
        status, _, me = c.get("/api/v1/me")
        assert status == 200 and me["auth"] == "token", me
        assert me["token"]["name"] == "conv" and me["tenants"], me
        # Every error is a problem document.
        refused(s.request("GET", "/api/v1/me"), 401)
        refused(s.request("GET", "/api/v1/me", None,
                          {"Authorization": "Bearer pkiaas_nope"}), 401)
        refused(s.request("GET", "/api/v1/tokens/zzzzzzzzzzzzzzzz", None,
                          c.bearer), 404)
        refused(s.request("GET", "/api/v1/nothing", None, c.bearer), 404)
        refused(s.request("PUT", "/api/v1/tokens", None, c.bearer), 405)
        refused(s.request("POST", "/api/v1/auth/login",
                          json.dumps({"username": "admin",
                                      "password": "wrong password"}),
                          JSON), 401)
        refused(c.post("/api/v1/users", {"username": "admin", "password":
                                         "a long enough password",
                                         "role": "operator"}, c.bearer),
                409)
    finally:
        s.stop()


if __name__ == "__main__":
    run(test_bodies_are_parsed_strictly,
        test_csrf_is_required_with_a_session_and_not_with_a_token,
        test_cursor_paging_returns_each_item_once,
        test_bad_query_arguments_are_refused,
        test_session_cookie_flags_and_errors_are_problems)
