#!/usr/bin/env python3
"""crashloop - kill smtpsend with SIGKILL at random moments while it
spools a message and while it flushes the queue, then check what the
queue promises (TAP output):

  - every message smtpsend accepted (exit 0) was delivered, or is still
    queued and goes out with the next flush: nothing is lost;
  - every stored message is byte for byte the one given: nothing is
    corrupted, nothing half-sent is taken for sent;
  - a message delivered twice was first delivered by a run that was
    killed: duplicates happen only in the window between the server's
    250 and the removal of the item (they are counted and reported);
  - after the final flush the queue holds no item.

Runs are sequential (one client at a time, as testmsa serves one
connection at a time), so every server session belongs to the run during
which it was accepted.  Environment: SMTPSEND (the program), PYTHON3,
top_srcdir; CRASHLOOP_RUNS (default 240, at least 200 must complete),
CRASHLOOP_SECONDS (time bound, default 240), CRASHLOOP_SEED.
"""

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

MIN_RUNS = 200


class Server:
    def __init__(self, tmp, srcdir, python):
        self.log_path = os.path.join(tmp, "msa.log")
        script = os.path.join(tmp, "script")
        port_file = os.path.join(tmp, "port")
        open(script, "w").close()
        self.proc = subprocess.Popen(
            [python, os.path.join(srcdir, "tests/msa/testmsa"), "--script",
             script, "--port-file", port_file, "--log", self.log_path],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(tmp, "msa.stderr"), "w"))
        deadline = time.monotonic() + 20
        while not os.path.exists(port_file):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit("Bail out! testmsa did not start")
            time.sleep(0.02)
        self.port = int(open(port_file).read())
        self.offset = 0
        self.accepted = 0
        self.closed = 0
        self.stored = []        # (session, message bytes)

    def read_events(self):
        with open(self.log_path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        end = data.rfind(b"\n") + 1
        self.offset += end
        for line in data[:end].splitlines():
            ev = json.loads(line)
            kind = ev.get("ev")
            if kind == "accept":
                self.accepted = max(self.accepted, ev["session"])
            elif kind == "close":
                self.closed += 1
            elif kind == "stored":
                self.stored.append((ev["session"],
                                    ev["message"].encode("latin-1")))

    def settle(self):
        """Waits until every accepted session has closed."""
        deadline = time.monotonic() + 10
        while True:
            self.read_events()
            if self.closed >= self.accepted or time.monotonic() > deadline:
                return
            time.sleep(0.005)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def message(tag, size, rng):
    """A message with LF line ends; and its body as it must arrive."""
    lines = []
    n = total = 0
    while total < size:
        # Lines that need dot-stuffing, and a lone dot (-i: content).
        lines.append(rng.choice([".dot %s %d" % (tag, n), ".",
                                 "%s line %d %s" % (tag, n, "x" * rng.randint(0, 200))]))
        total += len(lines[-1]) + 1
        n += 1
    body = "\n".join(lines) + "\n"
    text = "Subject: %s\nMessage-ID: <%s@crash.test>\n\n%s" % (tag, tag, body)
    return text.encode(), body.replace("\n", "\r\n").encode()


def tag_of(stored):
    head = stored.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        if line.startswith(b"Subject: "):
            return line[9:].decode("latin-1")
    return None


def main():
    smtpsend = os.environ["SMTPSEND"]
    python = os.environ.get("PYTHON3", sys.executable)
    srcdir = os.environ.get("top_srcdir",
                            os.path.join(os.path.dirname(__file__), "../.."))
    runs_wanted = int(os.environ.get("CRASHLOOP_RUNS", "240"))
    budget = float(os.environ.get("CRASHLOOP_SECONDS", "240"))
    seed = int(os.environ.get("CRASHLOOP_SEED", str(int(time.time()))))
    rng = random.Random(seed)
    print("1..5")
    print("# seed %d (CRASHLOOP_SEED=%d reproduces the order of runs)" % (seed, seed))

    tmp = tempfile.mkdtemp(prefix="crashloop-")
    home = os.path.join(tmp, "home")
    queue = os.path.join(tmp, "queue")
    os.mkdir(home, 0o700)
    server = Server(tmp, srcdir, python)
    conf = os.path.join(tmp, "config")
    with open(conf, "w") as f:
        f.write("account default\nhost 127.0.0.1\nport %d\ntls off\n"
                "from a@crash.test\ntimeout 5\nqueue_dir %s\n" % (server.port, queue))
    os.chmod(conf, 0o600)
    env = dict(os.environ, HOME=home, SMTPSEND_SYSTEM_CONFIG="/nonexistent")
    env.pop("XDG_STATE_HOME", None)

    sent = {}           # tag -> expected body
    accepted = set()    # tags whose send exited 0
    run_killed = []     # per run: killed?
    session_run = {}    # server session -> run index
    kills = {"send": 0, "odq": 0, "flush": 0}
    t0 = time.monotonic()
    try:
        for i in range(runs_wanted):
            if time.monotonic() - t0 > budget:
                break
            kind = rng.choice(["send", "send", "send", "odq", "flush", "flush"])
            data = None
            args = [smtpsend, "-C", conf]
            if kind == "flush":
                args += [rng.choice(["--flush=all", "-q", "--flush"])]
            else:
                tag = "m%04d" % i
                data, sent[tag] = message(tag, rng.choice([300, 5000, 200000, 1500000]), rng)
                args += ["-i"] + (["-odq"] if kind == "odq" else []) + ["b@crash.test"]
            first = server.accepted
            p = subprocess.Popen(args, stdin=subprocess.PIPE if data else subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
            delay = rng.uniform(0, 0.08) if rng.random() < 0.85 else None
            try:
                _, err = p.communicate(data, timeout=delay if delay is not None else 60)
            except subprocess.TimeoutExpired:
                p.kill()
                _, err = p.communicate()
            killed = p.returncode == -9
            if killed:
                kills[kind] += 1
            elif data is not None and p.returncode == 0:
                accepted.add(tag)
            elif p.returncode not in (0, 75):
                print("# run %d (%s) exited %d: %s" % (i, kind, p.returncode,
                                                        err.decode(errors="replace").strip()))
            run_killed.append(killed)
            server.settle()
            for s in range(first + 1, server.accepted + 1):
                session_run[s] = i
        runs = len(run_killed)
        # The final flushes, never killed: whatever is queued goes now.
        for _ in range(5):
            first = server.accepted
            p = subprocess.run([smtpsend, "-C", conf, "--flush=all"], env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
            run_killed.append(False)
            server.settle()
            for s in range(first + 1, server.accepted + 1):
                session_run[s] = len(run_killed) - 1
            if not [n for n in os.listdir(queue) if n.endswith(".env")]:
                break
    finally:
        server.stop()

    elapsed = time.monotonic() - t0
    print("# %d runs in %.1f s; killed: %d sends, %d -odq spools, %d flushes"
          % (runs, elapsed, kills["send"], kills["odq"], kills["flush"]))
    ok = runs >= MIN_RUNS
    print("%s 1 - at least %d runs within the time bound (%d)"
          % ("ok" if ok else "not ok", MIN_RUNS, runs))

    deliveries = {}
    corrupt = []
    for session, stored in server.stored:
        tag = tag_of(stored)
        if tag not in sent or stored.split(b"\r\n\r\n", 1)[1:] != [sent[tag]]:
            corrupt.append(tag)
            continue
        deliveries.setdefault(tag, []).append(session_run.get(session, -1))
    lost = sorted(t for t in accepted if t not in deliveries)
    print("%s 2 - every accepted message was delivered (%d accepted, %d delivered)%s"
          % ("not ok" if lost else "ok", len(accepted), len(deliveries),
             "" if not lost else ": lost " + " ".join(lost[:10])))
    print("%s 3 - every stored message is exactly the one given%s"
          % ("not ok" if corrupt else "ok",
             "" if not corrupt else ": " + " ".join(map(str, corrupt[:10]))))
    dups = outside = 0
    for tag, by in deliveries.items():
        dups += len(by) - 1
        for r in by[:-1]:
            if r < 0 or not run_killed[r]:
                outside += 1
                print("# %s delivered again after run %d, which was not killed" % (tag, r))
    print("%s 4 - duplicates only after a kill between the 250 and the removal "
          "(duplicates: %d)" % ("not ok" if outside else "ok", dups))
    left = sorted(os.listdir(queue))
    items = [n for n in left if n.endswith(".env")]
    orphans = [n for n in left if n.endswith(".msg") and n[:-4] + ".env" not in left]
    tmpfiles = os.listdir(os.path.join(queue, "tmp"))
    failed = os.listdir(os.path.join(queue, "failed"))
    print("# left over from killed runs (swept after an hour): %d ID.msg without "
          "ID.env, %d files in tmp/" % (len(orphans), len(tmpfiles)))
    bad = items or failed
    print("%s 5 - the queue is empty after the final flush (items: %d, failed: %d)"
          % ("not ok" if bad else "ok", len(items), len(failed)))
    if not (ok and not lost and not corrupt and not outside and not bad):
        print("# kept for inspection: %s" % tmp)
        return 1
    shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
