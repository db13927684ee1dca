"""A real Radicale 3.1 on 127.0.0.1 for the CalDAV tests, with plain htpasswd auth (Radicale
3.1 reads bcrypt and md5 only through passlib, which Debian's radicale recommends but does not
require; "plain" needs nothing more), and python3-caldav playing the phone."""
import os
import socket
import subprocess
import sys

from harness import wait_for


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def accepting(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


class Radicale:
    """Radicale with one user (user:password) storing under tmp/collections, its log in
    tmp/radicale.log. start() waits until it listens (False when it did not within 30 s);
    stop() ends it; start() again serves the same collections on the same port."""

    def __init__(self, tmp, user, password, port=None):
        self.tmp = tmp
        os.makedirs(tmp, exist_ok=True)
        self.user, self.password = user, password
        self.users = os.path.join(tmp, "users")
        with open(self.users, "w") as f:
            f.write("%s:%s\n" % (user, password))
        self.port = port or free_port()
        self.base = "http://127.0.0.1:%d/" % self.port
        self.log = os.path.join(tmp, "radicale.log")
        self.p = None

    def start(self):
        self.p = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", "",
             "--server-hosts", "127.0.0.1:%d" % self.port,
             "--auth-type", "htpasswd", "--auth-htpasswd-filename", self.users,
             "--auth-htpasswd-encryption", "plain",
             "--storage-filesystem-folder", os.path.join(self.tmp, "collections"),
             "--logging-level", "warning"],
            stdout=subprocess.DEVNULL, stderr=open(self.log, "a"))
        return bool(wait_for(lambda: self.p.poll() is None and accepting(self.port), timeout=30))

    def stop(self):
        if self.p and self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.p = None

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def phone(self):
        """A python3-caldav client for the user (imported here: the caller checks it is there)."""
        import caldav
        return caldav.DAVClient(url=self.base, username=self.user, password=self.password)

    def make_calendar(self, name="nudge"):
        """The phone makes a task collection `name`; returns it (a caldav.Calendar)."""
        return self.phone().principal().make_calendar(
            name=name, cal_id=name, supported_calendar_component_set=["VTODO"])

    def collection_url(self, name="nudge"):
        return self.base + "%s/%s" % (self.user, name)


# ---- reading a collection as the phone sees it (ETags included) ----

REPORT_BODY = b"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO"/></C:comp-filter></C:filter>
</C:calendar-query>"""


def parse_vtodo(text):
    """The first VTODO of an iCalendar text as {NAME: [(params, value), ...]}, lines unfolded;
    the VALARMs inside it under "VALARM" as a list of such dicts. None when there is none."""
    lines = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif raw:
            lines.append(raw)
    todo, alarm, depth = None, None, []
    for line in lines:
        name, _, value = line.partition(":")
        name, _, params = name.partition(";")
        name = name.upper()
        if name == "BEGIN":
            depth.append(value.upper())
            if value.upper() == "VTODO" and todo is None:
                todo = {"VALARM": []}
            elif value.upper() == "VALARM" and todo is not None:
                alarm = {}
            continue
        if name == "END":
            if depth and depth[-1] == "VALARM" and alarm is not None:
                todo["VALARM"].append(alarm)
                alarm = None
            if depth:
                depth.pop()
            if value.upper() == "VTODO" and todo is not None:
                return todo
            continue
        target = alarm if alarm is not None else todo
        if target is not None:
            target.setdefault(name, []).append((params, value))
    return todo


def prop(todo, name, default=None):
    v = (todo or {}).get(name)
    return v[0][1] if v else default


def list_tasks(url, user, password):
    """{uid: {"href", "etag", "ics", "todo"}} of the collection at url (REPORT calendar-query,
    as a phone's sync does); entries without a readable VTODO under their href as uid."""
    import xml.etree.ElementTree as ET
    import requests
    r = requests.request("REPORT", url.rstrip("/") + "/", data=REPORT_BODY, auth=(user, password),
                         headers={"Depth": "1", "Content-Type": "application/xml"}, timeout=30)
    if r.status_code != 207:
        raise RuntimeError("REPORT %s: %d %s" % (url, r.status_code, r.text[:200]))
    ns = {"D": "DAV:", "C": "urn:ietf:params:xml:ns:caldav"}
    out = {}
    for resp in ET.fromstring(r.content).findall("D:response", ns):
        href = resp.findtext("D:href", "", ns)
        etag = resp.findtext(".//D:getetag", "", ns)
        ics = resp.findtext(".//C:calendar-data", "", ns)
        todo = parse_vtodo(ics)
        uid = prop(todo, "UID") or href
        out[uid] = {"href": href, "etag": etag, "ics": ics, "todo": todo}
    return out


# ---- a proxy in front of Radicale: bytes and requests counted, faults on demand ----

class Proxy:
    """An HTTP proxy on 127.0.0.1 in front of 127.0.0.1:upstream_port. It counts requests
    (method, path, status) and bytes each way (request and reply line, headers and body, as
    sent on the wire). hook(method, path, headers, body), when set, runs first on the
    request's thread: it may block (a stalled server), return "drop" (the connection is closed
    without a reply: a server killed mid-request), (status, body, headers) to answer with
    instead (forward() gives them from the server), or None to forward."""

    def __init__(self, upstream_port):
        import http.server
        import threading
        self.upstream_port = upstream_port
        self.lock = threading.Lock()
        self.requests = []
        self.bytes_in = self.bytes_out = 0
        self.hook = None
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_one(self):
                n = int(self.headers.get("Content-Length", 0) or 0)
                body = self.rfile.read(n) if n else b""
                head = len(self.requestline) + 2 + sum(len(k) + len(v) + 4 for k, v in self.headers.items()) + 2
                with proxy.lock:
                    proxy.bytes_in += head + len(body)
                hook = proxy.hook
                act = hook(self.command, self.path, self.headers, body) if hook else None
                if act == "drop":
                    with proxy.lock:
                        proxy.requests.append((self.command, self.path, "drop"))
                    self.close_connection = True
                    try:
                        self.connection.shutdown(2)
                    except OSError:
                        pass
                    return
                if isinstance(act, tuple):
                    status, rbody, rheaders = act
                else:
                    status, rheaders, rbody = proxy.forward(self.command, self.path, self.headers, body)
                with proxy.lock:
                    proxy.requests.append((self.command, self.path, status))
                self.send_response_only(status)
                sent = len("HTTP/1.1 %d xx" % status) + 2
                for k, v in rheaders:
                    if k.lower() in ("transfer-encoding", "connection", "content-length", "date", "server"):
                        continue
                    self.send_header(k, v)
                    sent += len(k) + len(v) + 4
                self.send_header("Content-Length", str(len(rbody)))
                sent += len("Content-Length") + len(str(len(rbody))) + 4 + 2
                self.end_headers()
                self.wfile.write(rbody)
                with proxy.lock:
                    proxy.bytes_out += sent + len(rbody)

            def __getattr__(self, name):
                if name.startswith("do_"):
                    return self.handle_one
                raise AttributeError(name)

            def log_message(self, *args):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.srv.daemon_threads = True
        self.port = self.srv.server_address[1]
        self.base = "http://127.0.0.1:%d/" % self.port
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def forward(self, method, path, headers, body):
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        try:
            h = {k: v for k, v in headers.items()
                 if k.lower() not in ("host", "connection", "content-length", "keep-alive")}
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            return r.status, r.getheaders(), r.read()
        except OSError as e:
            return 502, [], str(e).encode()
        finally:
            c.close()

    def reset(self):
        with self.lock:
            self.requests = []
            self.bytes_in = self.bytes_out = 0

    def count(self, method=None):
        with self.lock:
            return len([r for r in self.requests if method is None or r[0] == method])

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()
