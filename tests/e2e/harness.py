"""What every end-to-end test here shares: counting checks, waiting for a condition, and
replacing a file in one step (so a watching daemon never reads half of it)."""
import os
import threading
import time

results = {"pass": 0, "fail": 0}
_lock = threading.Lock()  # test_state runs its groups on two threads


def check(what, cond, detail=""):
    """Counts one check; prints what failed (with detail, when given). Returns cond."""
    with _lock:
        if cond:
            results["pass"] += 1
        else:
            results["fail"] += 1
            print("FAIL:", what, ("(%s)" % (detail,)) if detail != "" else "", flush=True)
    return cond


def wait_for(pred, timeout=10.0, step=0.05):
    """pred()'s first true value within timeout seconds, else its last value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def rss_kib(pid):
    """The resident memory of a process (VmRSS), in KiB; 0 once it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
