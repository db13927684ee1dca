#!/usr/bin/env python3
"""caldav/ (through tests/e2e/caldav_tool) against a real Radicale on 127.0.0.1 with htpasswd
auth, python3-caldav playing the phone: put, list, update under an ETag, a stale ETag and a
create over an existing item (conflicts), the phone completing a task (the next listing shows
its COMPLETED time), a task the phone made itself (listed, not ours), delete, a wrong password
(auth), the server gone (offline); and against a faulty server of the test's own: 500 (server),
a 207 that is no XML and a 200 where a 207 belongs (malformed), a stalled reply (timeout);
and an https server whose certificate no one vouches for (tls: refused before any request).
CALDAV_TOOL: the tool."""
import datetime
import http.server
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, results  # noqa: E402
from radicale_server import Radicale  # noqa: E402

TOOL = os.environ.get("CALDAV_TOOL", "build/tests/caldav_tool")
USER, PASSWORD = "ann", "a quiet evening"

try:
    import caldav  # python3-caldav
    import radicale  # noqa: F401
except ImportError as e:
    print("SKIP: %s (scripts/deps --test installs radicale and python3-caldav)" % e)
    sys.exit(77)


def tool(url, *args, password=PASSWORD, env=None):
    """Runs the tool; returns (exit code, stdout lines)."""
    p = subprocess.run([TOOL, url, USER, password] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=60, env=env)
    if p.stderr:
        print("caldav_tool stderr:", p.stderr.strip())
    return p.returncode, p.stdout.splitlines()


def listing(url):
    """{uid: {href, etag, status, completed, ours, summary}} and the OK line's counts."""
    rc, lines = tool(url, "list")
    check("list succeeds", rc == 0 and lines and lines[-1].startswith("OK"), lines)
    items = {}
    for line in lines:
        f = line.split("\t")
        if f[0] == "ITEM":
            items[f[3]] = {"href": f[1], "etag": f[2], "status": f[4], "completed": int(f[5]),
                           "ours": f[6] == "1", "summary": f[7]}
    ok = lines[-1].split("\t") if lines else []
    return items, ok


def ok_etag(lines):
    return lines[0].split("\t")[1] if lines and lines[0].startswith("OK\t") else None


def main():
    tmp = tempfile.mkdtemp(prefix="nudge-caldav-")
    server = Radicale(tmp, USER, PASSWORD)
    try:
        if not server.start():
            check("radicale listens", False, server.log_text())
            return
        cal = server.make_calendar("nudge")
        url = server.collection_url("nudge")  # no final slash: caldav_new adds it
        run(url, cal, server.port)
    finally:
        server.stop()


def run(url, cal, port):
    due = int(time.time()) + 3600
    uid1, uid2 = "checkin-2026-12-02T20:30@nudge", "promise 7@nudge"

    # Put two new tasks (create only).
    rc, out = tool(url, "put", "-", "-", uid1, "Evening check-in", due)
    etag1 = ok_etag(out)
    check("put creates a task and returns its ETag", rc == 0 and etag1 and etag1 != "-", out)
    rc, out = tool(url, "put", "-", "-", uid2, "Call the counsellor", due + 60)
    check("put creates a second task (a UID with a space and an @)", rc == 0 and ok_etag(out), out)

    items, ok = listing(url)
    check("list shows both tasks", set(items) == {uid1, uid2}, items)
    check("list skips nothing", ok[1:] == ["2", "0"], ok)
    check("listed ETag is the one put returned", items.get(uid1, {}).get("etag") == etag1, items)
    check("listed tasks are open and ours",
          all(i["status"] == "open" and i["ours"] for i in items.values()), items)
    check("listed href is where put wrote",
          items.get(uid2, {}).get("href", "").endswith("/nudge/promise%207%40nudge.ics"), items)

    # Create-only over an existing task: a conflict, not an overwrite.
    rc, out = tool(url, "put", "-", "-", uid1, "Overwritten", due)
    check("create over an existing task is a conflict", rc == 1 and out and out[0].startswith("ERROR conflict 412"), out)

    # Update under the current ETag.
    rc, out = tool(url, "put", items[uid1]["href"], etag1, uid1, "Evening check-in (moved)", due + 600)
    etag1b = ok_etag(out)
    check("update under the current ETag succeeds with a new ETag", rc == 0 and etag1b and etag1b != etag1, out)
    items, _ = listing(url)
    check("the update shows", items.get(uid1, {}).get("summary") == "Evening check-in (moved)", items)

    # A stale ETag: a conflict, and nothing changed.
    rc, out = tool(url, "put", items[uid1]["href"], etag1, uid1, "Stale write", due)
    check("a stale ETag gives a conflict", rc == 1 and out and out[0].startswith("ERROR conflict 412"), out)
    items, _ = listing(url)
    check("the stale write changed nothing", items.get(uid1, {}).get("summary") == "Evening check-in (moved)", items)

    # The phone completes the check-in at a time of its own.
    done_at = datetime.datetime(2026, 12, 2, 20, 41, 7, tzinfo=datetime.timezone.utc)
    cal.todo_by_uid(uid1).complete(completion_timestamp=done_at)
    # And makes a task of its own, which is not nudge's.
    cal.save_todo("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//phone//EN\r\nBEGIN:VTODO\r\n"
                  "UID:phone-own-1\r\nDTSTAMP:20261202T100000Z\r\nSUMMARY:Buy flowers\r\n"
                  "END:VTODO\r\nEND:VCALENDAR\r\n")
    items, ok = listing(url)
    t = items.get(uid1, {})
    check("the phone's completion shows in the next listing", t.get("status") == "completed", items)
    check("with the phone's COMPLETED time", t.get("completed") == int(done_at.timestamp()), t)
    check("the completion changed the ETag", t.get("etag") not in (None, etag1b), t)
    phone_own = items.get("phone-own-1", {})
    check("the phone's own task is listed, not as ours", phone_own and not phone_own["ours"], items)

    # Delete: a stale ETag refuses, the current one removes it, a second delete finds nothing.
    rc, out = tool(url, "delete", items[uid2]["href"], etag1)
    check("delete with a stale ETag is a conflict", rc == 1 and out and out[0].startswith("ERROR conflict"), out)
    rc, out = tool(url, "delete", items[uid2]["href"], items[uid2]["etag"])
    check("delete with the current ETag succeeds", rc == 0 and out == ["OK"], out)
    items2, _ = listing(url)
    check("the deleted task is gone, the rest stays", set(items2) == {uid1, "phone-own-1"}, items2)
    rc, out = tool(url, "delete", items[uid2]["href"], "-")
    check("deleting it again finds nothing", rc == 1 and out and out[0].startswith("ERROR not-found 404"), out)

    # A wrong password: auth, one line.
    rc, out = tool(url, "list", password="wrong")
    check("a wrong password is an auth error", rc == 1 and len(out) == 1 and out[0].startswith("ERROR auth 401"), out)

    # A port with nobody listening: offline.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    rc, out = tool("http://127.0.0.1:%d/%s/nudge/" % (dead, USER), "list")
    check("no server is offline", rc == 1 and out and out[0].startswith("ERROR offline 0"), out)


def foreign_listing(port):
    """A listing whose entries point outside the collection /foreign/ or carry an ETag that
    would break a header; one good entry."""
    def todo(uid):
        return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VTODO\r\nUID:%s\r\n"
                "DTSTAMP:20261202T100000Z\r\nSUMMARY:Walk\r\nX-NUDGE:1\r\nEND:VTODO\r\n"
                "END:VCALENDAR\r\n" % uid)

    def resp(href, etag, uid):
        return ('<d:response><d:href>%s</d:href><d:propstat><d:prop><d:getetag>%s</d:getetag>'
                '<c:calendar-data><![CDATA[%s]]></c:calendar-data></d:prop>'
                '<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>' % (href, etag, todo(uid)))
    return ('<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
            + resp("http://127.0.0.1:%d/steal.ics" % port, '"1"', "a@nudge")  # another host
            + resp("/foreign/../elsewhere/b.ics", '"2"', "b@nudge")            # out by ".."
            + resp("/other/c.ics", '"3"', "c@nudge")                           # another collection
            + resp("/foreign/d%20.ics", '"4"&#13;&#10;X-Evil: 1', "d@nudge")     # a header in the ETag
            + resp("/foreign/e.ics", '"5"', "e@nudge")                         # the good one
            + resp("/%66oreign/f.ics", '"6"', "f@nudge")                       # its path spelled otherwise
            + "</d:multistatus>").encode()


class Faulty(http.server.BaseHTTPRequestHandler):
    """/500/ answers 500, /garbage/ a 207 that is no XML, /plain/ a 200 with a body, /stall/
    reads the request and waits until the test ends, /foreign/ lists entries outside it, and a
    PUT under /readonly/ answers 403."""
    stop = threading.Event()

    def do_PUT(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_REPORT(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        kind = self.path.strip("/").split("/")[0]
        if kind == "stall":
            Faulty.stop.wait(30)
            return
        code, body = {"500": (500, b"oops"), "garbage": (207, b"<multistatus oops"),
                      "plain": (200, b"hello"),
                      "foreign": (207, foreign_listing(self.server.server_address[1] + 1))}[kind]
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def faults():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Faulty)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d/" % srv.server_address[1]
    try:
        rc, out = tool(base + "500/", "list")
        check("a 500 is a server error", rc == 1 and out and out[0].startswith("ERROR server 500"), out)
        rc, out = tool(base + "garbage/", "list")
        check("a 207 that is no XML is malformed", rc == 1 and out and out[0].startswith("ERROR malformed 207"), out)
        rc, out = tool(base + "plain/", "list")
        check("a 200 instead of a multistatus is malformed", rc == 1 and out and out[0].startswith("ERROR malformed 200"), out)
        # Entries outside the collection (another host, "..", another collection) or with an
        # ETag that would add a header are passed over: the password never leaves the server.
        items, ok = listing(base + "foreign/")
        check("entries outside the collection are skipped", set(items) == {"e@nudge", "f@nudge"}, items)
        check("and counted as skipped", ok[1:] == ["2", "4"], ok)
        # A 403 on one task is its refusal, not a wrong password.
        rc, out = tool(base + "readonly/", "put", "-", "-", "r@nudge", "Walk", int(time.time()) + 60)
        check("a 403 on a PUT is refused, not auth", rc == 1 and out and out[0].startswith("ERROR refused 403"), out)
        env = dict(os.environ, CALDAV_TIMEOUT_MS="500")
        t0 = time.monotonic()
        rc, out = tool(base + "stall/", "list", env=env)
        took = time.monotonic() - t0
        check("a stalled reply is a timeout", rc == 1 and out and out[0].startswith("ERROR timeout 0"), out)
        check("the timeout came after about 0.5 s", 0.4 <= took < 5, took)
    finally:
        Faulty.stop.set()
        srv.shutdown()
        srv.server_close()


class Counting(http.server.BaseHTTPRequestHandler):
    """Counts the requests that reach it (none should, over a refused TLS handshake)."""
    seen = []

    def do_REPORT(self):
        Counting.seen.append((self.command, self.headers.get("Authorization")))
        self.send_response(207)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PUT = do_DELETE = do_PROPFIND = do_REPORT

    def log_message(self, *args):
        pass


def untrusted_tls(tmp):
    """TLS is verified: a self-signed certificate (for 127.0.0.1, so only the trust is missing)
    ends the request at the handshake, as a "tls" error, and the password is never sent."""
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], capture_output=True, text=True)
    if not check("openssl makes a self-signed certificate", p.returncode == 0, p.stderr):
        return
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    srv.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = "https://127.0.0.1:%d/cal/" % srv.server_address[1]
        rc, out = tool(url, "list")
        check("a certificate no one vouches for is a tls error", rc == 1 and out and
              out[0].startswith("ERROR tls"), out)
        check("... that says the certificate was not accepted", out and "certificate" in out[0], out)
        rc, out = tool(url, "put", "-", "-", "t@nudge", "Walk", int(time.time()) + 60)
        check("a put there is refused the same way", rc == 1 and out and out[0].startswith("ERROR tls"), out)
        check("no request (and no password) reached the server", not Counting.seen, Counting.seen)
    finally:
        srv.shutdown()
        srv.server_close()


if __name__ == "__main__":
    try:
        main()
        faults()
        with tempfile.TemporaryDirectory(prefix="nudge-tls-") as tmp:
            untrusted_tls(tmp)
    finally:
        print("%d passed, %d failed" % (results["pass"], results["fail"]))
    sys.exit(1 if results["fail"] or not results["pass"] else 0)
