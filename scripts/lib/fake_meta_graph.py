#!/usr/bin/env python3
"""A standalone fake of Meta's Graph API for the queue chaos test (scripts/queue-chaos.sh).

Standard library only (http.server.ThreadingHTTPServer). It serves what NeonHub's `meta`
connector calls, following Meta's documentation rather than what our definition assumes:

- Code exchange and long-lived tokens (GET or POST /oauth/access_token, grant_type=fb_exchange_token):
  https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow#exchangecode
  https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
- /me/accounts: the Pages a user can act on, each with its Page access token and tasks:
  https://developers.facebook.com/docs/pages-api/getting-started
  https://developers.facebook.com/docs/graph-api/reference/user/accounts
- Publishing: POST /{page-id}/feed with `message` and a Page token answers {"id": "{page-id}_{post-id}"}:
  https://developers.facebook.com/docs/graph-api/reference/page/feed#publish
  https://developers.facebook.com/docs/pages-api/posts
- Reading: GET /{page-id}/posts, newest first, `fields`, `limit`, `since`/`until`, cursor paging
  (paging.cursors.before/after, paging.next): https://developers.facebook.com/docs/graph-api/results
- Errors: {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}} (and `is_transient`);
  code 2 is a temporary service problem, 4/17/32 and 80001 are throttling, 100 an invalid parameter,
  190 a bad token: https://developers.facebook.com/docs/graph-api/guides/error-handling
- Rate limits and their usage headers (X-App-Usage for user tokens, X-Business-Use-Case-Usage with
  estimated_time_to_regain_access in minutes for Page tokens):
  https://developers.facebook.com/docs/graph-api/overview/rate-limiting

Where the documentation is silent it follows Tests/TestSupport/Fakes/MetaGraphFake.swift (the Swift
fake of the test suite): errors are answered with HTTP 400 except the transient code 2 (500), and
token errors carry WWW-Authenticate.

Faults (chosen per request with a seeded RNG at the configured rates; the threads of the server
take requests in whatever order the clients send them, so a seed reproduces the rates, not the
exact sequence). Only the Page edges (POST /{page}/feed, GET /{page}/posts) fail; OAuth, /me and
/me/accounts always answer, so connecting is not part of the chaos.

- Rate limits, two styles (`--rate-limit-style`):
  * `http429` (default): HTTP 429 with `Retry-After: 1` (what issue 13 asks for) and Graph's
    envelope with code 80001 and the X-Business-Use-Case-Usage header at 100 %.
  * `graph`: what Graph itself does: HTTP 400 with code 32 (Page request limit) or 80001 (Pages
    business use case), the usage header and NO Retry-After; NeonHub then waits 60 s.
- Transient errors: HTTP 500, code 2, is_transient true.
- Late answers (POST feed only): the post IS created, and the answer is sent after `--late-delay`
  seconds, beyond NeonHub's CONNECTOR_TIMEOUT: the client sees a timeout although the write happened.
- Permanent refusals (POST feed only, `--permanent-rate`, default 0): code 100, nothing created.

Real Graph refuses a Page's second post with the same message (code 506); this fake accepts it
and counts it, so that a duplicate sent by the queue is seen instead of hidden.

Helper endpoints (not Graph's):
- POST /__authorize (form or JSON: redirect_uri, user, scope) → {"code": …}: what the consent
  dialog would put in the redirect when the user consents; `user` picks one of the fake's users.
- GET /__stats → posts, duplicates (same message on the same Page, and same message anywhere),
  faults injected, requests by route, and every post (id, page, message, created_time).

Run: fake_meta_graph.py --port 0 --port-file FILE [--seed 7 --users 4 --pages-per-user 2 …]
"""

import argparse
import json
import random
import secrets
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit
import base64

VERSION = "v25.0"
USER_BASE = 10158000000000000
PAGE_BASE = 104567890120000
POST_BASE = 122100000000000000


class GraphError(Exception):
    def __init__(self, status, message, code, subcode=None, transient=None, headers=None, kind="OAuthException"):
        super().__init__(message)
        self.status, self.message, self.code, self.subcode = status, message, code, subcode
        self.transient, self.headers, self.kind = transient, headers or {}, kind

    def body(self):
        inner = {"message": self.message, "type": self.kind, "code": self.code,
                 "fbtrace_id": "Fk" + secrets.token_hex(5)[:9]}
        if self.subcode is not None:
            inner["error_subcode"] = self.subcode
        if self.transient is not None:
            inner["is_transient"] = self.transient
        return {"error": inner}


def graph_time(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


def parse_time(raw):
    """`since`/`until`: a unix timestamp, or (a subset of strtotime) an ISO 8601 date."""
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00").replace("+0000", "+00:00")).timestamp()
    except ValueError:
        raise GraphError(400, f"(#100) Invalid time: {raw}", 100)


def encode_cursor(index):
    return base64.b64encode(f"cursor:{index}".encode()).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        text = base64.b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith("cursor:"):
            return int(text[len("cursor:"):])
    except Exception:
        pass
    raise GraphError(400, "(#100) Invalid cursor", 100)


def select(obj, fields, defaults):
    """Graph answers the requested top-level `fields` (a{b,c} keeps a whole), or its defaults."""
    wanted = set(defaults)
    if fields:
        wanted, depth, current = {"id"}, 0, ""
        for ch in fields + ",":
            if ch == "{":
                depth += 1
                if depth == 1:
                    wanted.add(current)
                    current = ""
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                if current:
                    wanted.add(current)
                current = ""
            elif depth == 0:
                current += ch
    return {k: v for k, v in obj.items() if k in wanted}


class Graph:
    """The fake's state: app, users with their Pages, tokens, posts, fault counters."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.rng = random.Random(args.seed)
        self.grants = {}        # code → {user, redirect_uri, used}
        self.tokens = {}        # token → {"kind": "user"|"page", "user": i, "page": id, "long": bool}
        self.page_tokens = {}   # (user token, page id) → page token
        self.posts = []         # dicts in creation order
        self.sequence = 0
        self.faults = {"rate_limited": 0, "server_error": 0, "late": 0, "permanent": 0}
        self.requests = {}
        self.users = []
        for u in range(args.users):
            pages = [{"id": str(PAGE_BASE + u * 100 + p), "name": f"Chaos Page {u + 1}.{p + 1}",
                      "category": "Shopping & retail"} for p in range(args.pages_per_user)]
            self.users.append({"id": str(USER_BASE + u + 1), "name": f"Chaos User {u + 1}", "pages": pages})
        self.page_owner = {p["id"]: u for u, user in enumerate(self.users) for p in user["pages"]}

    def next_id(self):
        self.sequence += 1
        return self.sequence

    def mint(self, **kind):
        with self.lock:
            token = f"EAAChaos{kind['kind'].capitalize()}{self.next_id()}{secrets.token_hex(4)}"
            self.tokens[token] = kind
            return token

    def count(self, route):
        with self.lock:
            self.requests[route] = self.requests.get(route, 0) + 1

    def roll(self, kinds):
        """One fault (or None) for this request, from the seeded RNG."""
        a = self.args
        rates = [("rate_limited", a.rate_limit_rate), ("server_error", a.error_rate),
                 ("late", a.late_rate), ("permanent", a.permanent_rate)]
        with self.lock:
            r = self.rng.random()
            edge = 0.0
            for name, rate in rates:
                if name not in kinds:
                    continue
                edge += rate
                if r < edge:
                    self.faults[name] += 1
                    return name
        return None

    def usage_header(self, page_id, exhausted):
        regain = 1 if exhausted else 0
        pct = 100 if exhausted else 5
        return {"X-Business-Use-Case-Usage": json.dumps({page_id: [{
            "type": "pages", "call_count": pct, "total_cputime": 1 if not exhausted else 12,
            "total_time": 1 if not exhausted else 20, "estimated_time_to_regain_access": regain}]})}

    def rate_limit_error(self, page_id):
        headers = self.usage_header(page_id, True)
        if self.args.rate_limit_style == "http429":
            headers["Retry-After"] = str(self.args.retry_after)
            return GraphError(429, "(#80001) There have been too many calls to this Page account. Wait a bit and try again.",
                              80001, headers=headers)
        code = self.rng.choice([32, 80001])
        message = ("(#32) Page request limit reached" if code == 32 else
                   "(#80001) There have been too many calls to this Page account. Wait a bit and try again.")
        return GraphError(400, message, code, headers=headers)

    @staticmethod
    def server_error():
        return GraphError(500, "An unexpected error has occurred. Please retry your request later.", 2, transient=True)

    def stats(self):
        with self.lock:
            by_page_message, by_message, by_page = {}, {}, {}
            for post in self.posts:
                key = (post["page"], post["message"])
                by_page_message[key] = by_page_message.get(key, 0) + 1
                by_message[post["message"]] = by_message.get(post["message"], 0) + 1
                by_page[post["page"]] = by_page.get(post["page"], 0) + 1
            duplicates = [{"page": p, "message": m, "count": n} for (p, m), n in by_page_message.items() if n > 1]
            return {
                "posts": len(self.posts),
                "postsByPage": by_page,
                "duplicates": sum(d["count"] - 1 for d in duplicates),
                "duplicatePosts": duplicates,
                "duplicateMessagesAnywhere": sum(n - 1 for n in by_message.values() if n > 1),
                "faults": dict(self.faults),
                "requests": dict(self.requests),
                "settings": {"seed": self.args.seed, "rateLimitStyle": self.args.rate_limit_style,
                             "rateLimitRate": self.args.rate_limit_rate, "errorRate": self.args.error_rate,
                             "lateRate": self.args.late_rate, "lateDelay": self.args.late_delay,
                             "permanentRate": self.args.permanent_rate},
                "allPosts": [{"id": p["id"], "page": p["page"], "message": p["message"],
                              "created_time": graph_time(p["ts"])} for p in self.posts],
            }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeGraph/1.0"
    graph: Graph = None  # set by main

    def log_message(self, fmt, *args):
        if self.graph.args.verbose:
            sys.stderr.write("fake-graph: " + (fmt % args) + "\n")

    # --- plumbing -------------------------------------------------------------------------

    def params(self):
        split = urlsplit(self.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        ctype = (self.headers.get("Content-Type") or "").lower()
        if raw and ctype.startswith("application/x-www-form-urlencoded"):
            params.update(dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True)))
        elif raw and ctype.startswith("application/json"):
            try:
                body = json.loads(raw)
                if isinstance(body, dict):
                    params.update({k: str(v) if not isinstance(v, str) else v for k, v in body.items()})
            except ValueError:
                pass
        return split.path, params

    def reply(self, status, body, headers=None, delay=0.0):
        data = json.dumps(body).encode()
        if delay:
            time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            # A late answer to a client that gave up: the write happened, the answer is lost.
            self.close_connection = True

    def fail(self, error):
        self.reply(error.status, error.body(), error.headers)

    def token(self, params):
        token = params.get("access_token")
        auth = self.headers.get("Authorization") or ""
        for scheme in ("bearer ", "oauth "):
            if not token and auth.lower().startswith(scheme):
                token = auth[len(scheme):].strip()
        return token or None

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        path, params = self.params()
        try:
            self.route(method, path, params)
        except GraphError as error:
            self.fail(error)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # --- routes ---------------------------------------------------------------------------

    def route(self, method, path, params):
        g = self.graph
        if path == "/__stats" and method == "GET":
            return self.reply(200, g.stats())
        if path == "/__authorize" and method == "POST":
            return self.authorize(params)
        segments = [s for s in path.split("/")]
        if len(segments) < 3 or segments[0] != "" or segments[1] != VERSION or "" in segments[2:]:
            raise GraphError(400, f"Unknown path components: {path}", 2500)
        segments = segments[2:]
        if segments == ["oauth", "access_token"] and method in ("GET", "POST"):
            g.count("oauth/access_token")
            return self.oauth(params)
        token_string = self.token(params)
        if not token_string:
            raise GraphError(400, "An access token is required to request this resource.", 104)
        token = g.tokens.get(token_string)
        if token is None:
            raise GraphError(400, "Invalid OAuth access token - Cannot parse access token", 190,
                             headers={"WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token"'})
        if method == "GET" and segments == ["me"]:
            g.count("me")
            return self.me(token)
        if method == "GET" and segments == ["me", "accounts"]:
            g.count("me/accounts")
            return self.accounts(params, token_string, token)
        if len(segments) == 2 and segments[1] == "feed" and method == "POST":
            g.count("POST {page}/feed")
            return self.create_post(segments[0], params, token)
        if len(segments) == 2 and segments[1] in ("posts", "feed") and method == "GET":
            g.count("GET {page}/posts")
            return self.list_posts(segments[0], segments[1], params, token_string, token)
        if len(segments) == 1 and method == "GET":
            g.count("GET {node}")
            return self.read_node(segments[0], params)
        raise GraphError(400, f"Unknown path components: /{'/'.join(segments)}", 2500)

    def authorize(self, params):
        g = self.graph
        redirect = params.get("redirect_uri")
        if not redirect:
            raise GraphError(400, "Missing redirect_uri parameter.", 100, 36008)
        user = int(params.get("user", "0"))
        if not 0 <= user < len(g.users):
            raise GraphError(400, f"No such user: {user} (the fake has {len(g.users)})", 100)
        with g.lock:
            code = f"AQDChaos{g.next_id()}{secrets.token_hex(8)}"
            g.grants[code] = {"user": user, "redirect_uri": redirect, "used": False}
        self.reply(200, {"code": code, "user": g.users[user]["id"], "pages": [p["id"] for p in g.users[user]["pages"]]})

    def oauth(self, params):
        g, a = self.graph, self.graph.args
        if not params.get("client_id"):
            raise GraphError(400, "Missing client_id parameter.", 101)
        if params["client_id"] != a.client_id:
            raise GraphError(400, "Error validating application. Invalid application ID.", 101)
        if not params.get("client_secret"):
            raise GraphError(400, "Missing client_secret parameter.", 1)
        if params["client_secret"] != a.client_secret:
            raise GraphError(400, "Error validating client secret.", 1)
        if params.get("grant_type") == "fb_exchange_token":
            old = g.tokens.get(params.get("fb_exchange_token") or "")
            if not old or old["kind"] != "user":
                raise GraphError(400, "Invalid OAuth access token - Cannot parse access token", 190)
            token = g.mint(kind="user", user=old["user"], long=True)
            return self.reply(200, {"access_token": token, "token_type": "bearer", "expires_in": 5183944})
        if params.get("grant_type") not in (None, "authorization_code"):
            raise GraphError(400, f"Unsupported grant_type: {params['grant_type']}", 100)
        if not params.get("redirect_uri"):
            raise GraphError(400, "Missing redirect_uri parameter.", 100, 36008)
        code = params.get("code")
        if not code:
            raise GraphError(400, "Missing code parameter.", 100)
        with g.lock:
            grant = g.grants.get(code)
            if grant is None:
                raise GraphError(400, "Invalid verification code format.", 100, 36007)
            if grant["used"]:
                raise GraphError(400, "This authorization code has been used.", 100, 36009)
            if grant["redirect_uri"] != params["redirect_uri"]:
                raise GraphError(400, "Error validating verification code. Please make sure your redirect_uri is identical "
                                      "to the one you used in the OAuth dialog request", 100, 36008)
            grant["used"] = True
        token = g.mint(kind="user", user=grant["user"], long=False)
        self.reply(200, {"access_token": token, "token_type": "bearer", "expires_in": 5183})

    def me(self, token):
        g = self.graph
        if token["kind"] == "page":
            page = next(p for u in g.users for p in u["pages"] if p["id"] == token["page"])
            return self.reply(200, {"id": page["id"], "name": page["name"]})
        user = g.users[token["user"]]
        self.reply(200, {"id": user["id"], "name": user["name"]})

    def accounts(self, params, token_string, token):
        g = self.graph
        if token["kind"] != "user":
            raise GraphError(400, "(#100) Tried accessing nonexisting field (accounts) on node type (Page)", 100)
        items = []
        for page in g.users[token["user"]]["pages"]:
            key = (token_string, page["id"])
            if key not in g.page_tokens:
                g.page_tokens[key] = g.mint(kind="page", user=token["user"], page=page["id"])
            items.append({**page, "category_list": [{"id": "2200", "name": page["category"]}],
                          "access_token": g.page_tokens[key],
                          "tasks": ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"]})
        defaults = {"id", "name", "category", "category_list", "access_token", "tasks"}
        self.paged([select(i, params.get("fields"), defaults) for i in items], params, "me/accounts", token_string)

    def require_page_token(self, page_id, token):
        if page_id not in self.graph.page_owner:
            raise GraphError(400, f"Unsupported post request. Object with ID '{page_id}' does not exist, cannot be loaded "
                                  "due to missing permissions, or does not support this operation.", 100, 33,
                             kind="GraphMethodException")
        if token["kind"] != "page" or token["page"] != page_id:
            raise GraphError(400, "(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts "
                                  "as an admin with sufficient administrative permission", 200)

    def create_post(self, page_id, params, token):
        g = self.graph
        self.require_page_token(page_id, token)
        fault = g.roll({"rate_limited", "server_error", "late", "permanent"})
        if fault == "rate_limited":
            raise g.rate_limit_error(page_id)
        if fault == "server_error":
            raise g.server_error()
        if fault == "permanent":
            raise GraphError(400, "(#100) Invalid parameter (a permanent refusal injected by the chaos fake)", 100)
        message = params.get("message") or ""
        if not message and not params.get("link"):
            raise GraphError(400, "(#100) Missing message or attachment", 100)
        with g.lock:
            post_id = f"{page_id}_{POST_BASE + g.next_id()}"
            g.posts.append({"id": post_id, "page": page_id, "message": message, "ts": time.time()})
        headers = g.usage_header(page_id, False)
        if fault == "late":
            # Created; the answer comes after the client's deadline.
            return self.reply(200, {"id": post_id}, headers, delay=g.args.late_delay)
        self.reply(200, {"id": post_id}, headers)

    def list_posts(self, page_id, edge, params, token_string, token):
        g = self.graph
        self.require_page_token(page_id, token)
        fault = g.roll({"rate_limited", "server_error"})
        if fault == "rate_limited":
            raise g.rate_limit_error(page_id)
        if fault == "server_error":
            raise g.server_error()
        since, until = parse_time(params.get("since")), parse_time(params.get("until"))
        with g.lock:
            posts = [p for p in reversed(g.posts) if p["page"] == page_id
                     and (since is None or p["ts"] >= since) and (until is None or p["ts"] <= until)]
        items = [{"id": p["id"], "message": p["message"], "created_time": graph_time(p["ts"]),
                  "permalink_url": f"https://www.facebook.com/{page_id}/posts/{p['id'].split('_')[1]}",
                  "status_type": "mobile_status_update", "is_published": True} for p in posts]
        extra = {k: params[k] for k in ("since", "until") if params.get(k)}
        self.paged([select(i, params.get("fields"), {"id", "message", "created_time"}) for i in items],
                   params, f"{page_id}/{edge}", token_string, extra, g.usage_header(page_id, False))

    def read_node(self, node, params):
        g = self.graph
        with g.lock:
            post = next((p for p in g.posts if p["id"] == node), None)
        if post:
            return self.reply(200, select({"id": post["id"], "message": post["message"], "created_time": graph_time(post["ts"])},
                                          params.get("fields"), {"id", "message", "created_time"}))
        raise GraphError(400, f"Unsupported get request. Object with ID '{node}' does not exist.", 100, 33, kind="GraphMethodException")

    def paged(self, items, params, path, token, extra=None, headers=None):
        try:
            limit = int(params.get("limit") or 25)
        except ValueError:
            raise GraphError(400, "(#100) Param limit must be a positive integer", 100)
        if limit <= 0:
            raise GraphError(400, "(#100) Param limit must be a positive integer", 100)
        limit = min(limit, 100)
        start = 0
        if params.get("after"):
            start = decode_cursor(params["after"]) + 1
        elif params.get("before"):
            start = max(0, decode_cursor(params["before"]) - limit)
        end = min(len(items), start + limit)
        page = items[start:end]
        body = {"data": page}
        if page:
            query = {"access_token": token, "limit": str(limit), **(extra or {})}
            if params.get("fields"):
                query["fields"] = params["fields"]
            base = f"http://{self.headers.get('Host')}/{VERSION}/{path}"
            paging = {"cursors": {"before": encode_cursor(start), "after": encode_cursor(end - 1)}}
            if end < len(items):
                paging["next"] = base + "?" + urlencode({**query, "after": encode_cursor(end - 1)})
            if start > 0:
                paging["previous"] = base + "?" + urlencode({**query, "before": encode_cursor(start)})
            body["paging"] = paging
        self.reply(200, body, headers)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="write the chosen port here once listening")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--pages-per-user", type=int, default=2)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--rate-limit-style", choices=["http429", "graph"], default="http429")
    parser.add_argument("--rate-limit-rate", type=float, default=0.05)
    parser.add_argument("--retry-after", type=int, default=1)
    parser.add_argument("--error-rate", type=float, default=0.05)
    parser.add_argument("--late-rate", type=float, default=0.03)
    parser.add_argument("--late-delay", type=float, default=2.5, help="seconds; more than NeonHub's CONNECTOR_TIMEOUT")
    parser.add_argument("--permanent-rate", type=float, default=0.0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    Handler.graph = Graph(args)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        import os
        os.replace(args.port_file + ".tmp", args.port_file)
    sys.stderr.write(f"fake-graph: listening on http://{args.host}:{port}/{VERSION}\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
