#!/usr/bin/env python3
"""real-aiosmtpd - smtpsend against a real SMTP server from Debian (TAP output).

testmsa is this project's own server; this checks that nothing in smtpsend
depends on testmsa's reading of the RFCs.  aiosmtpd (python3-aiosmtpd)
runs in this process with the test kit's certificate, STARTTLS or
implicit TLS, and AUTH PLAIN/LOGIN that it checks itself.  It offers
neither PIPELINING nor CHUNKING, so these points also cover smtpsend's
one-command-at-a-time path against a server that is not ours.  Each
message is compared byte for byte with what the server received.

Skipped (TAP plan 1..0) when this Python has no aiosmtpd.  Environment:
SMTPSEND, SMTPSEND_CERTS (the kit tests/msa/mkcerts made),
SMTPSEND_WRAPPER (e.g. valgrind; may be empty).
"""

import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import warnings
import logging

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pytap  # noqa: E402  (tests/pytap.py)

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
except ImportError:
    print("1..0 # SKIP no aiosmtpd in %s (Debian: python3-aiosmtpd)" % sys.executable)
    sys.exit(0)

USER, PASSWORD = "joe", "Interop-pw-31337"

# From, Date and Message-ID are given, so smtpsend adds nothing and the
# bytes the server receives are the input with CRLF line ends.  The Bcc
# line must go; a dot at the start of a line must survive dot-stuffing.
MESSAGE = (b"From: Alice <a@interop.test>\n"
           b"To: b@interop.test\n"
           b"Bcc: hidden@interop.test\n"
           b"Date: Wed, 02 Dec 2026 04:00:00 +0000\n"
           b"Message-ID: <interop-1@interop.test>\n"
           b"Subject: interop\n"
           b"\n"
           b".a line that starts with a dot\n"
           b"..two dots\n"
           b"tab\tand trailing space \n"
           b"last line\n")
EXPECTED = MESSAGE.replace(b"Bcc: hidden@interop.test\n", b"").replace(b"\n", b"\r\n")


class Store:
    """The handler: keeps every accepted message; refuses one recipient."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == "refused@interop.test":
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              envelope.original_content, session.authenticated,
                              list(envelope.mail_options)))
        return "250 2.0.0 Ok: queued as AIO%d" % len(self.messages)


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
          and auth_data.password == PASSWORD.encode())
    # handled=False: aiosmtpd then sends its own 535 (with the default,
    # True, it says nothing and waits).
    return AuthResult(success=ok, handled=False)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, certs, implicit):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(os.path.join(certs, "good.pem"), os.path.join(certs, "good.key"))
        self.store = Store()
        self.port = free_port()
        kw = dict(hostname="127.0.0.1", port=self.port, authenticator=authenticator,
                  auth_required=True, auth_require_tls=True, server_hostname="aiosmtpd.test")
        if implicit:
            # aiosmtpd counts only STARTTLS as TLS for auth_require_tls.
            kw.update(ssl_context=ctx, auth_require_tls=False)
        else:
            kw.update(tls_context=ctx, require_starttls=True)
        self.controller = Controller(self.store, **kw)
        self.controller.start()

    def stop(self):
        self.controller.stop()


def run(home, certs, port, implicit, password, args, stdin):
    conf = os.path.join(home, "rc")
    with open(conf, "w") as f:
        f.write("account default\nhost localhost\nport %d\ntls on\ntls_starttls %s\n"
                "tls_trust_file %s\nauth on\nuser %s\npassword %s\nfrom a@interop.test\n"
                "queue off\n" % (port, "off" if implicit else "on",
                                 os.path.join(certs, "ca.pem"), USER, password))
    os.chmod(conf, 0o600)
    p = pytap.run_client(["-C", conf] + args, stdin, pytap.client_env(HOME=home), 60)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def main():
    certs = os.environ["SMTPSEND_CERTS"]
    tap = pytap.Tap()
    print("1..12")
    home = tempfile.mkdtemp(prefix="smtpsend-aiosmtpd.")
    try:
        for implicit in (False, True):
            mode = "implicit TLS" if implicit else "STARTTLS"
            srv = Server(certs, implicit)
            try:
                rc, err = run(home, certs, srv.port, implicit, PASSWORD, ["-t", "-i"], MESSAGE)
                tap.point(rc == 0, "%s, AUTH: sent, exit 0" % mode, [err] if rc else ())
                got = srv.store.messages[-1] if srv.store.messages else None
                tap.point(got is not None and got[2] == EXPECTED and got[3],
                          "%s: the server got the message byte for byte, authenticated, "
                          "without Bcc" % mode,
                          ["got %r" % (got,), "wanted %r" % EXPECTED])
                tap.point(got is not None and got[0] == "a@interop.test"
                          and sorted(got[1]) == ["b@interop.test", "hidden@interop.test"],
                          "%s: envelope sender and recipients (Bcc included)" % mode,
                          ["got %r" % (got,)])
                # The queue on: spooled first, then sent with SIZE= declared.
                qdir = os.path.join(home, "queue")
                rc, err = run(home, certs, srv.port, implicit, PASSWORD,
                              ["--queue=on", "--queue-dir=" + qdir, "-t", "-i"], MESSAGE)
                got = srv.store.messages[-1] if srv.store.messages else None
                tap.point(rc == 0 and len(srv.store.messages) == 2 and got[2] == EXPECTED
                          and "SIZE=%d" % len(EXPECTED) in got[4]
                          and os.listdir(qdir) and not any(n.endswith(".env")
                                                           for n in os.listdir(qdir)),
                          "%s: through the queue (SIZE declared): the same bytes, queue empty"
                          % mode, ["exit %d" % rc, err, "got %r" % (got,)])
                before = len(srv.store.messages)
                rc, err = run(home, certs, srv.port, implicit, "wrong-password-here",
                              ["b@interop.test"], b"Subject: x\n\nbody\n")
                tap.point(rc == 77 and len(srv.store.messages) == before
                          and "wrong-password-here" not in err,
                          "%s: a wrong password is exit 77, nothing delivered" % mode,
                          ["exit %d" % rc, err])
                rc, err = run(home, certs, srv.port, implicit, PASSWORD,
                              ["b@interop.test", "refused@interop.test"], b"Subject: x\n\nbody\n")
                tap.point(rc == 67 and len(srv.store.messages) == before
                          and "550 5.1.1" in err,
                          "%s: one refused recipient is exit 67, nobody gets it" % mode,
                          ["exit %d" % rc, err])
            finally:
                srv.stop()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
