#!/usr/bin/python3
"""A fast SMTP sink for the smtpsend benchmark.

Listens on 127.0.0.1 (port 0 by default), speaks just enough ESMTP for a
submission client, counts the octets of each message and throws them away.

On stdout it prints "PORT <n>" once, then for every message received
"MSG <session> <octets> <seconds> <cpu-seconds> <reads>" (flushed before
the 250 reply goes out, so the line is there by the time the client has
exited).  <octets> counts the DATA payload as it came over the wire,
dot-stuffing and CRs included, up to and including the CRLF before the
terminating ".".  <cpu-seconds> is the CPU time the session's thread spent
in the DATA phase, so <cpu-seconds>/<seconds> near 1 means the sink, not
the client, set the pace.  <reads> counts receive calls in the DATA phase;
with TLS, TLS records (each read decrypts exactly one), so <octets>/<reads>
is the client's mean record payload.  With TLS the first line is
"TLS <session> <version> <cipher>" once the handshake is done.

With --extensions the EHLO reply also offers CHUNKING and AUTH PLAIN (any
credentials pass; AUTH only inside TLS when TLS is on), BDAT is read by
its announced size, and before the reply to the data it prints "FLIGHTS
<session> <n>": the sends of this session so far, that one included.  A
send happens only when no further command is buffered, so for a client
that pipelines, n + 1 (the TCP handshake) is its round-trip count (bench/rtt
checks it against wall time over a delayed link).

TLS (--tls=implicit or --tls=starttls, with --cert and --key) is TLS 1.3
only, through ssl.SSLObject over memory BIOs: the socket is read in chunks
of up to 1 MiB (one recv_into), and every record already in hand is
decrypted into the scan buffer (1 MiB) before the next receive.
Decryption of one connection is serial (one thread, one record at a time),
so Python and OpenSSL cap what one TLS session can take; bench/run
measures that cap with a trivial sender (--sink-selftest --tls).

The DATA phase must never be the bottleneck: it receives into one large
buffer with recv_into() and looks for CRLF.CRLF with bytes.find() over the
whole buffer, keeping the last four octets of each buffer in front of the
next one so a terminator split across two receives is still found.  There
is no per-line Python work.

Sessions run in one thread each.  Python 3 standard library only (with
TLS, the ssl module).
"""

import argparse
import os
import signal
import socket
import ssl
import sys
import threading
import time

BUFSIZE = 1 << 20          # one receive, at most
TERM = b"\r\n.\r\n"
KEEP = len(TERM) - 1       # octets carried into the next buffer

RAWSIZE = 1 << 20          # one receive of TLS records, at most
RECORD = 16384             # TLS plaintext record, at most

_out_lock = threading.Lock()


def emit(line):
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def scan_data(recv_into, initial=b"", bufsize=BUFSIZE, after_recv=None):
    """Consume one DATA payload.

    recv_into(memoryview) -> int reads from the peer (0 means EOF).
    initial holds octets already read after the DATA command line.
    Returns (payload_octets, leftover) where leftover is whatever followed
    the terminator in the last buffer (pipelined commands, say).
    """
    buf = bytearray(bufsize + KEEP + 2)
    mv = memoryview(buf)
    # The CRLF that ended the DATA command counts as the CRLF in front of
    # the terminator, so an empty message (".\r\n" at once) is found too.
    # Those two octets are not payload: 'virt' says how many such octets
    # sit at the front of the buffer.
    buf[0:2] = b"\r\n"
    head = 2
    virt = 2
    count = 0
    pending = memoryview(bytes(initial))
    while True:
        if len(pending):
            n = min(len(pending), bufsize)
            buf[head:head + n] = pending[:n]
            pending = pending[n:]
        else:
            n = recv_into(mv[head:head + bufsize])
            if n == 0:
                raise EOFError("connection closed inside DATA")
            if after_recv is not None:
                after_recv()
        end = head + n
        i = buf.find(TERM, 0, end)
        if i >= 0:
            count += i + 2 - virt
            leftover = bytes(buf[i + len(TERM):end]) + bytes(pending)
            return count, leftover
        keep = min(KEEP, end)
        flushed = end - keep
        newvirt = max(0, virt - flushed)
        count += flushed - (virt - newvirt)
        buf[0:keep] = buf[flushed:end]
        head = keep
        virt = newvirt


class TLSStream:
    """A TLS connection over a connected socket, with socket-like calls.

    ssl.SSLObject over memory BIOs.  recv_into() decrypts every whole
    record already received into the caller's buffer (up to its size)
    and blocks on the socket only when nothing could be decrypted; the
    socket is read in chunks of up to RAWSIZE.  Used by the sink (server
    side) and by bench/run's self-test sender (client side).
    """

    def __init__(self, sock, context, server_side, server_hostname=None):
        self.sock = sock
        self.inc = ssl.MemoryBIO()
        self.out = ssl.MemoryBIO()
        self.obj = context.wrap_bio(self.inc, self.out,
                                    server_side=server_side,
                                    server_hostname=server_hostname)
        self.raw = bytearray(RAWSIZE)
        self.rawmv = memoryview(self.raw)
        self.eof = False
        self.reads = 0              # read calls that returned plaintext
        while True:
            try:
                self.obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                if not self._fill():
                    raise EOFError("connection closed in the TLS handshake")
        self._flush()

    def version(self):
        return "%s %s" % (self.obj.version(), self.obj.cipher()[0])

    def _flush(self):
        if self.out.pending:
            self.sock.sendall(self.out.read())

    def _fill(self):
        n = self.sock.recv_into(self.rawmv)
        if n == 0:
            self.inc.write_eof()
            return False
        self.inc.write(self.rawmv[:n])
        return True

    def recv_into(self, mv):
        """Plaintext into mv; returns the octet count, 0 at end of stream."""
        want = len(mv)
        got = 0
        while True:
            try:
                while got < want:
                    n = self.obj.read(want - got, mv[got:])
                    if n == 0:
                        self.eof = True
                        break
                    got += n
                    self.reads += 1
                    # Stop before a record might not fit: one read call,
                    # one record, so 'reads' counts records.
                    if want - got < RECORD:
                        break
            except ssl.SSLWantReadError:
                pass
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                self.eof = True
            if self.out.pending:     # a key update, say
                self._flush()
            if got or self.eof:
                return got
            if not self._fill() and not self.inc.pending:
                return 0

    def recv(self, n):
        buf = bytearray(n)
        k = self.recv_into(memoryview(buf))
        return bytes(buf[:k])

    def sendall(self, data):
        self.obj.write(data)
        self._flush()

    def close_notify(self):
        try:
            self.obj.unwrap()
        except ssl.SSLError:
            pass
        try:
            self._flush()
        except OSError:
            pass

    def setsockopt(self, *a):
        self.sock.setsockopt(*a)


def server_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    # No session tickets: clients here never resume, and OpenSSL's tickets
    # went out ahead of the greeting, which then lagged by half a round trip
    # on the delayed link (bench/rtt).
    ctx.num_tickets = 0
    return ctx


class CountingSocket:
    """A plain socket whose recv_into calls are counted (the 'reads')."""

    def __init__(self, sock):
        self.sock = sock
        self.reads = 0

    def recv_into(self, mv):
        self.reads += 1
        return self.sock.recv_into(mv)

    def recv(self, n):
        return self.sock.recv(n)

    def sendall(self, data):
        self.sock.sendall(data)

    def setsockopt(self, *a):
        self.sock.setsockopt(*a)

    def close_notify(self):
        pass


class Session:
    EHLO_REPLY = (b"250-sink.bench.test\r\n"
                  b"250-PIPELINING\r\n"
                  b"250-8BITMIME\r\n"
                  b"250-SIZE\r\n"
                  b"250 HELP\r\n")
    EHLO_STARTTLS = (b"250-sink.bench.test\r\n"
                     b"250-PIPELINING\r\n"
                     b"250-8BITMIME\r\n"
                     b"250-SIZE\r\n"
                     b"250-STARTTLS\r\n"
                     b"250 HELP\r\n")

    def __init__(self, sock, number, quickack=False, tls=None, context=None,
                 extensions=False):
        self.extensions = extensions
        self.flights = 0
        self.raw = sock
        self.sock = CountingSocket(sock)
        self.number = number
        self.inbuf = b""
        self.after_recv = self.quickack if quickack else None
        self.tls = tls              # None, "implicit" or "starttls"
        self.context = context
        self.secure = False

    def send(self, data):
        self.flights += 1
        self.sock.sendall(data)

    def ehlo(self):
        reply = (self.EHLO_STARTTLS if self.tls == "starttls" and not self.secure
                 else self.EHLO_REPLY)
        if not self.extensions:
            return reply
        more = b"250-CHUNKING\r\n"
        if self.secure or self.tls in (None, "off"):
            more += b"250-AUTH PLAIN\r\n"
        return reply.replace(b"250 HELP\r\n", more + b"250 HELP\r\n")

    def read_exact(self, n):
        """n octets after the BDAT line: what is buffered, then the socket."""
        got = bytearray(self.inbuf[:n])
        self.inbuf = self.inbuf[n:]
        while len(got) < n:
            chunk = self.sock.recv(min(1 << 20, n - len(got)))
            if not chunk:
                raise EOFError("connection closed inside BDAT")
            got += chunk
        return len(got)

    def start_tls(self):
        self.sock = TLSStream(self.raw, self.context, True)
        self.secure = True
        emit("TLS %d %s" % (self.number, self.sock.version()))

    def quickack(self):
        # Linux leaves quick-ACK mode on its own; ask again after each read.
        self.raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

    def lines(self):
        """Yield command lines (without CRLF); handles pipelining."""
        while True:
            while True:
                j = self.inbuf.find(b"\n")
                if j < 0:
                    break
                line = self.inbuf[:j].rstrip(b"\r")
                self.inbuf = self.inbuf[j + 1:]
                yield line
            if len(self.inbuf) > 65536:
                raise ValueError("command line too long")
            chunk = self.sock.recv(65536)
            if not chunk:
                return
            self.inbuf += chunk

    def run(self):
        if self.tls == "implicit":
            self.start_tls()
        self.send(b"220 sink.bench.test ESMTP benchmark sink\r\n")
        out = []
        for line in self.lines():
            s = self.sock
            verb = line[:4].upper()
            if verb in (b"EHLO",):
                out.append(self.ehlo())
            elif self.extensions and verb == b"AUTH":
                out.append(b"235 2.7.0 authenticated\r\n")
            elif self.extensions and verb == b"BDAT":
                words = line.split()
                t0 = time.perf_counter()
                count = self.read_exact(int(words[1]))
                if len(words) > 2 and words[2].upper() == b"LAST":
                    emit("MSG %d %d %.6f %.6f %d" % (self.number, count,
                                                     time.perf_counter() - t0, 0.0, 0))
                    emit("FLIGHTS %d %d" % (self.number, self.flights + 1))
                    out.append(b"250 2.0.0 accepted and discarded\r\n")
                else:
                    out.append(b"250 2.0.0 chunk ok\r\n")
            elif (line.upper() == b"STARTTLS" and self.tls == "starttls"
                  and not self.secure):
                if self.inbuf:
                    # Plaintext after STARTTLS would be injected into the
                    # TLS session: refuse, as a real server must.
                    raise ValueError("data pipelined after STARTTLS")
                out.append(b"220 2.0.0 ready to start TLS\r\n")
                self.send(b"".join(out))
                out = []
                self.start_tls()
                continue
            elif verb == b"HELO":
                out.append(b"250 sink.bench.test\r\n")
            elif verb == b"MAIL":
                out.append(b"250 2.1.0 sender ok\r\n")
            elif verb == b"RCPT":
                out.append(b"250 2.1.5 recipient ok\r\n")
            elif verb == b"RSET" or verb == b"NOOP":
                out.append(b"250 2.0.0 ok\r\n")
            elif verb == b"DATA":
                out.append(b"354 end with <CRLF>.<CRLF>\r\n")
                self.send(b"".join(out))
                out = []
                reads0 = s.reads
                t0 = time.perf_counter()
                c0 = time.thread_time()
                count, self.inbuf = scan_data(s.recv_into, self.inbuf,
                                              after_recv=self.after_recv)
                cpu = time.thread_time() - c0
                dt = time.perf_counter() - t0
                emit("MSG %d %d %.6f %.6f %d" % (self.number, count, dt, cpu,
                                                 s.reads - reads0))
                if self.extensions:
                    emit("FLIGHTS %d %d" % (self.number, self.flights + 1))
                out.append(b"250 2.0.0 accepted and discarded\r\n")
            elif verb == b"QUIT":
                out.append(b"221 2.0.0 bye\r\n")
                self.send(b"".join(out))
                s.close_notify()
                return
            else:
                out.append(b"502 5.5.2 command not implemented\r\n")
            # Pipelining: answer only when no further command is buffered.
            if b"\n" not in self.inbuf:
                self.send(b"".join(out))
                out = []


def serve(sock, quickack, tls, context, counter, extensions=False):
    while True:
        conn, _ = sock.accept()
        with _out_lock:
            counter[0] += 1
            number = counter[0]
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t = threading.Thread(target=session_thread,
                             args=(conn, number, quickack, tls, context, extensions),
                             daemon=True)
        t.start()


def session_thread(conn, number, quickack, tls, context, extensions=False):
    try:
        Session(conn, number, quickack, tls, context, extensions).run()
    except (OSError, EOFError, ValueError, ssl.SSLError) as exc:
        emit("ERR %d %s" % (number, " ".join(str(exc).split())))
    finally:
        conn.close()


def listen_all(hosts, port):
    """Listening sockets on every address in hosts, all on one port.

    With port 0 the first socket picks a free port; if that port is taken
    on another address, all are closed and it tries again.
    """
    for attempt in range(20):
        socks = []
        chosen = port
        try:
            for host in hosts:
                family = socket.AF_INET6 if ":" in host else socket.AF_INET
                sock = socket.socket(family, socket.SOCK_STREAM)
                socks.append(sock)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((host, chosen))
                sock.listen(64)
                chosen = sock.getsockname()[1]
            return socks, chosen
        except OSError:
            for sock in socks:
                sock.close()
            if port != 0 or attempt == 19:
                raise


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", action="append",
                    help="address to listen on; repeat for several, all on "
                    "one port (default: 127.0.0.1)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="also write the port to this file")
    ap.add_argument("--quickack", action="store_true",
                    help="ACK at once during DATA (no delayed ACK), so a "
                    "client's Nagle wait does not show")
    ap.add_argument("--tls", choices=("off", "implicit", "starttls"),
                    default="off",
                    help="TLS 1.3 from the first octet (implicit, port 465 "
                    "style) or after STARTTLS (port 587 style)")
    ap.add_argument("--cert", help="server certificate (PEM), for --tls")
    ap.add_argument("--key", help="its private key (PEM), for --tls")
    ap.add_argument("--extensions", action="store_true",
                    help="also offer CHUNKING and AUTH PLAIN, and print FLIGHTS "
                    "lines (bench/rtt)")
    args = ap.parse_args()

    context = None
    if args.tls != "off":
        if not args.cert or not args.key:
            ap.error("--tls needs --cert and --key")
        context = server_context(args.cert, args.key)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    socks, port = listen_all(args.host or ["127.0.0.1"], args.port)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(args.port_file + ".tmp", args.port_file)
    emit("PORT %d" % port)
    counter = [0]
    threads = [threading.Thread(target=serve, daemon=True,
                                args=(sock, args.quickack, args.tls, context,
                                      counter, args.extensions))
               for sock in socks]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
