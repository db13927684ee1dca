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
