#!/usr/bin/env python3
"""auth-gssapi - AUTH GSSAPI (RFC 4752) against a Kerberos realm of its own (TAP).

Builds a throwaway MIT Kerberos realm in a temporary directory (kdb5_util,
kadmin.local), runs its KDC (krb5kdc -n, stopped by PID) on a free port of
127.0.0.1, gets the user a ticket from a keytab (kinit -k) and serves SMTP
in this process with server-side GSSAPI of its own (python3-gssapi,
accepting with the service keytab), so the client's exchange is checked by
code that is not smtpsend's:

  - with a ticket, AUTH GSSAPI succeeds, the server sees joe@SMTPSEND.TEST
    and the security-layer step of RFC 4752 section 3.1, and the message
    goes through; the --debug transcript shows no token;
  - without a ticket, the run fails before any MAIL, with exit 77;
  - a server whose key does not match the ticket's service refuses
    (535): exit 77, no MAIL.

Skipped (TAP plan 1..0) when krb5kdc, kdb5_util, kadmin.local, kinit or
Python's gssapi module are missing (Debian: krb5-kdc, krb5-user,
python3-gssapi).  Environment: SMTPSEND, SMTPSEND_WRAPPER (may be empty).
"""

import base64
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pytap  # noqa: E402  (tests/pytap.py)

REALM = "SMTPSEND.TEST"
TOOLS = ("krb5kdc", "kdb5_util", "kadmin.local", "kinit")
PATHS = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")


def which(tool):
    for d in PATHS + tuple(os.environ.get("PATH", "").split(":")):
        p = os.path.join(d, tool)
        if os.access(p, os.X_OK):
            return p
    return None


missing = [t for t in TOOLS if which(t) is None]
try:
    import gssapi
except ImportError:
    missing.append("python gssapi")
if missing:
    print("1..0 # SKIP needs %s (Debian: krb5-kdc krb5-user python3-gssapi)"
          % ", ".join(missing))
    sys.exit(0)


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Realm:
    def __init__(self, tmp):
        self.dir = tmp
        self.port = free_port()
        self.kdc = None
        conf = os.path.join(tmp, "krb5.conf")
        kdcconf = os.path.join(tmp, "kdc.conf")
        with open(conf, "w") as f:
            f.write("[libdefaults]\n default_realm = %s\n dns_lookup_kdc = false\n"
                    " dns_lookup_realm = false\n dns_canonicalize_hostname = false\n"
                    " rdns = false\n udp_preference_limit = 1\n"
                    "[realms]\n %s = {\n  kdc = 127.0.0.1:%d\n }\n"
                    "[domain_realm]\n localhost = %s\n" % (REALM, REALM, self.port, REALM))
        with open(kdcconf, "w") as f:
            f.write("[kdcdefaults]\n kdc_ports = %d\n kdc_tcp_ports = %d\n"
                    "[realms]\n %s = {\n  database_name = %s/principal\n"
                    "  key_stash_file = %s/stash\n  acl_file = %s/kadm5.acl\n }\n"
                    % (self.port, self.port, REALM, tmp, tmp, tmp))
        open(os.path.join(tmp, "kadm5.acl"), "w").close()
        self.env = dict(os.environ, KRB5_CONFIG=conf, KRB5_KDC_PROFILE=kdcconf,
                        KRB5CCNAME="FILE:" + os.path.join(tmp, "ccache"))
        self.run("kdb5_util", "-r", REALM, "create", "-s", "-P", "master-password-1")
        for q in ("addprinc -randkey joe", "addprinc -randkey smtp/localhost",
                  "addprinc -randkey smtp/elsewhere",
                  "ktadd -k %s/client.keytab joe" % tmp,
                  "ktadd -k %s/server.keytab smtp/localhost" % tmp,
                  "ktadd -k %s/other.keytab smtp/elsewhere" % tmp):
            self.run("kadmin.local", "-r", REALM, "-q", q)

    def run(self, tool, *args):
        p = subprocess.run([which(tool)] + list(args), env=self.env,
                           capture_output=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError("%s %s: %s" % (tool, " ".join(args),
                                              p.stderr.decode(errors="replace")))
        return p

    def start(self):
        self.kdc = subprocess.Popen([which("krb5kdc"), "-n", "-r", REALM], env=self.env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=open(os.path.join(self.dir, "kdc.log"), "wb"))
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the KDC did not start (see kdc.log)")

    def stop(self):
        if self.kdc is not None and self.kdc.poll() is None:
            self.kdc.terminate()
            self.kdc.wait(10)


class Server:
    """SMTP with AUTH GSSAPI only; every AUTH and message is recorded."""

    def __init__(self, keytab):
        self.keytab = keytab
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.auths, self.messages, self.commands = [], [], []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            conn, _ = self.sock.accept()
            try:
                self.session(conn)
            except (OSError, ValueError, gssapi.exceptions.GSSError) as e:
                self.auths.append(("error", repr(e)))
            finally:
                conn.close()

    def session(self, conn):
        f = conn.makefile("rb")

        def out(text):
            conn.sendall(text.encode() + b"\r\n")

        def line():
            got = f.readline()
            if not got:
                raise ValueError("client closed")
            return got.rstrip(b"\r\n")

        out("220 gss.test ESMTP")
        authed = None
        while True:
            cmd = line()
            self.commands.append(cmd)
            verb = cmd.split(b" ")[0].upper()
            if verb == b"EHLO":
                out("250-gss.test\r\n250-8BITMIME\r\n250 AUTH GSSAPI")
            elif verb == b"AUTH":
                authed = self.gssapi(cmd, out, line)
            elif verb == b"MAIL":
                out("250 2.1.0 ok" if authed else "530 5.7.0 Authentication required")
            elif verb == b"RCPT":
                out("250 2.1.5 ok")
            elif verb == b"DATA":
                out("354 go ahead")
                data = []
                while True:
                    d = f.readline()
                    if d in (b".\r\n", b""):
                        break
                    data.append(d)
                self.messages.append((authed, b"".join(data)))
                out("250 2.0.0 queued")
            elif verb == b"QUIT":
                out("221 2.0.0 bye")
                return
            else:
                out("500 5.5.2 what")

    def gssapi(self, cmd, out, line):
        """RFC 4752 section 3.1, the server's side."""
        parts = cmd.split(b" ")
        if len(parts) < 2 or parts[1].upper() != b"GSSAPI":
            out("504 5.5.4 only GSSAPI")
            return None
        os.environ["KRB5_KTNAME"] = "FILE:" + self.keytab
        creds = gssapi.Credentials(usage="accept")
        ctx = gssapi.SecurityContext(creds=creds, usage="accept")
        token = base64.b64decode(parts[2]) if len(parts) > 2 and parts[2] != b"=" else None
        if token is None:
            out("334 ")
            token = base64.b64decode(line())
        try:
            while True:
                reply = ctx.step(token)
                if ctx.complete:
                    if reply:
                        out("334 " + base64.b64encode(reply).decode())
                        if line() != b"":
                            raise ValueError("data after the last context token")
                    break
                out("334 " + base64.b64encode(reply or b"").decode())
                token = base64.b64decode(line())
            # No security layer (bit 1), no maximum size; the client answers
            # with its choice, wrapped.
            offer = ctx.wrap(b"\x01\x00\x00\x00", False).message
            out("334 " + base64.b64encode(offer).decode())
            answer = ctx.unwrap(base64.b64decode(line())).message
        except gssapi.exceptions.GSSError as e:
            self.auths.append(("refused", str(e).split("\n")[0]))
            out("535 5.7.8 GSSAPI authentication failed")
            return None
        if len(answer) < 4 or not answer[0] & 1:
            self.auths.append(("refused", "bad security layer answer %r" % answer))
            out("535 5.7.8 bad security layer")
            return None
        who = str(ctx.initiator_name)
        self.auths.append(("ok", who))
        out("235 2.7.0 authenticated")
        return who


def send(realm, server, home, extra=(), ccache=True):
    conf = os.path.join(home, "rc")
    with open(conf, "w") as f:
        f.write("account default\nhost localhost\nport %d\ntls off\nauth gssapi\n"
                "from a@test\nqueue off\n" % server.port)
    os.chmod(conf, 0o600)
    env = pytap.client_env(HOME=home, KRB5_CONFIG=realm.env["KRB5_CONFIG"],
                           KRB5CCNAME=realm.env["KRB5CCNAME"] if ccache
                           else "FILE:" + os.path.join(home, "no-ccache"))
    p = pytap.run_client(["-C", conf] + list(extra) + ["b@test"], b"Subject: gss\n\nbody\n",
                         env, 120)
    return p.returncode, p.stderr.decode(errors="replace")


def main():
    tap = pytap.Tap()
    print("1..8")
    tmp = tempfile.mkdtemp(prefix="smtpsend-krb5.")
    realm = None
    try:
        realm = Realm(tmp)
        realm.start()
        realm.run("kinit", "-k", "-t", os.path.join(tmp, "client.keytab"), "joe")
        home = os.path.join(tmp, "home")
        os.makedirs(home)

        srv = Server(os.path.join(tmp, "server.keytab"))
        rc, err = send(realm, srv, home, ["-d"])
        tap.point(rc == 0, "with a ticket: sent, exit 0", ["exit %d" % rc, err])
        tap.point(srv.auths[:1] == [("ok", "joe@" + REALM)],
                  "the server accepted joe@%s, security layer step included" % REALM,
                  [srv.auths])
        tap.point(len(srv.messages) == 1 and srv.messages[0][0] == "joe@" + REALM
                  and b"Subject: gss" in srv.messages[0][1],
                  "the message went through after AUTH", [srv.messages])
        token = [c for c in srv.commands if c.upper().startswith(b"AUTH GSSAPI ")]
        leaked = [t for t in token if t.split(b" ")[2].decode() in err]
        tap.point(token and not leaked and "AUTH GSSAPI [redacted]" in err,
                  "--debug shows AUTH GSSAPI [redacted], not the token", [err])

        srv2 = Server(os.path.join(tmp, "server.keytab"))
        rc, err = send(realm, srv2, home, ccache=False)
        tap.point(rc == 77, "without a ticket: exit 77", ["exit %d" % rc, err])
        tap.point(not any(c.upper().startswith(b"MAIL") for c in srv2.commands)
                  and not srv2.messages, "without a ticket: no MAIL, nothing sent",
                  [srv2.commands])

        srv3 = Server(os.path.join(tmp, "other.keytab"))
        rc, err = send(realm, srv3, home)
        tap.point(rc == 77 and "535" in err,
                  "a server without the service's key refuses: exit 77 with its 535",
                  ["exit %d" % rc, err, srv3.auths])
        tap.point(not any(c.upper().startswith(b"MAIL") for c in srv3.commands),
                  "after the refusal: no MAIL", [srv3.commands])
    except RuntimeError as e:
        print("Bail out! %s" % e)
        return 1
    finally:
        if realm is not None:
            realm.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
