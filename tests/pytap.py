"""pytap - what the Python test programs under tests/ share (not a test).

Tap prints TAP points; client_env() is the environment a test gives the
smtpsend it runs: a minimal one, plus the sanitizer settings of the ASan
build (scripts/test) so that a suppression or option set there holds for
the client too.
"""

import os
import shlex
import subprocess
import sys

SANITIZER_VARS = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def point(self, ok, name, diag=()):
        """One point; diag lines (their last 30) only when it failed."""
        self.n += 1
        self.failed += not ok
        print("%s %d - %s" % ("ok" if ok else "not ok", self.n, name))
        for d in diag if not ok else ():
            for part in str(d).splitlines()[-30:]:
                print("# " + part)
        sys.stdout.flush()


def client_env(**extra):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    for k in SANITIZER_VARS:
        if k in os.environ:
            env[k] = os.environ[k]
    env.update(extra)
    return env


def run_client(args, stdin, env, timeout):
    """smtpsend (SMTPSEND, under SMTPSEND_WRAPPER such as valgrind)."""
    wrapper = shlex.split(os.environ.get("SMTPSEND_WRAPPER", ""))
    return subprocess.run(wrapper + [os.environ["SMTPSEND"]] + list(args), input=stdin,
                          capture_output=True, env=env, timeout=timeout)
