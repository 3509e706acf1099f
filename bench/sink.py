#!/usr/bin/python3
"""A fast SMTP sink for the smtpsend benchmark.

Listens on 127.0.0.1 (port 0 by default), speaks just enough ESMTP for a
submission client, counts the octets of each message and throws them away.

On stdout it prints "PORT <n>" once, then for every message received
"MSG <session> <octets> <seconds>" (flushed before the 250 reply goes out,
so the line is there by the time the client has exited).  <octets> counts
the DATA payload as it came over the wire, dot-stuffing and CRs included,
up to and including the CRLF before the terminating ".".

The DATA phase must never be the bottleneck: it receives into one large
buffer with recv_into() and looks for CRLF.CRLF with bytes.find() over the
whole buffer, keeping the last four octets of each buffer in front of the
next one so a terminator split across two receives is still found.  There
is no per-line Python work.

Sessions run in one thread each.  Python 3 standard library only.
"""

import argparse
import os
import signal
import socket
import sys
import threading
import time

BUFSIZE = 1 << 20          # one receive, at most
TERM = b"\r\n.\r\n"
KEEP = len(TERM) - 1       # octets carried into the next buffer

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


class Session:
    EHLO_REPLY = (b"250-sink.bench.test\r\n"
                  b"250-PIPELINING\r\n"
                  b"250-8BITMIME\r\n"
                  b"250-SIZE\r\n"
                  b"250 HELP\r\n")

    def __init__(self, sock, number, quickack=False):
        self.sock = sock
        self.number = number
        self.inbuf = b""
        self.after_recv = self.quickack if quickack else None

    def quickack(self):
        # Linux leaves quick-ACK mode on its own; ask again after each read.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)

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
        s = self.sock
        s.sendall(b"220 sink.bench.test ESMTP benchmark sink\r\n")
        out = []
        for line in self.lines():
            verb = line[:4].upper()
            if verb in (b"EHLO",):
                out.append(self.EHLO_REPLY)
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
                s.sendall(b"".join(out))
                out = []
                t0 = time.perf_counter()
                count, self.inbuf = scan_data(s.recv_into, self.inbuf,
                                              after_recv=self.after_recv)
                dt = time.perf_counter() - t0
                emit("MSG %d %d %.6f" % (self.number, count, dt))
                out.append(b"250 2.0.0 accepted and discarded\r\n")
            elif verb == b"QUIT":
                out.append(b"221 2.0.0 bye\r\n")
                s.sendall(b"".join(out))
                return
            # Where STARTTLS would go for a future --tls mode: advertise it
            # in EHLO_REPLY, answer 220 here and wrap self.sock with ssl.
            else:
                out.append(b"502 5.5.2 command not implemented\r\n")
            # Pipelining: answer only when no further command is buffered.
            if b"\n" not in self.inbuf:
                s.sendall(b"".join(out))
                out = []


def serve(sock, quickack):
    number = 0
    while True:
        conn, _ = sock.accept()
        number += 1
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t = threading.Thread(target=session_thread,
                             args=(conn, number, quickack), daemon=True)
        t.start()


def session_thread(conn, number, quickack):
    try:
        Session(conn, number, quickack).run()
    except (OSError, EOFError, ValueError) as exc:
        emit("ERR %d %s" % (number, exc))
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="also write the port to this file")
    ap.add_argument("--quickack", action="store_true",
                    help="ACK at once during DATA (no delayed ACK), so a "
                    "client's Nagle wait does not show")
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(64)
    port = sock.getsockname()[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(args.port_file + ".tmp", args.port_file)
    emit("PORT %d" % port)
    try:
        serve(sock, args.quickack)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
