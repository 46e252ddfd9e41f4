"""A gunicorn gthread worker that slow or idle clients cannot hold, and whose own errors carry headers.

gunicorn's gthread worker gives each new connection a thread that waits up to 5 s for data, reads
the request with a blocking socket that never times out, and lingers up to 2 s on its main loop
when closing: 100 idle connections, a few clients sending a header line now and then, or a few
that never close their side each stop every other request. This worker reads requests on its main
loop without blocking (a client has HEAD_TIMEOUT seconds to send its head and a body of up to
BODY_BUFFER bytes), hands a connection to a thread only once that much has arrived, gives every
blocking read and write in a thread an IO_TIMEOUT, and closes without lingering. The responses gunicorn writes itself (400,
414, 431, 500) get the same security headers as the app's.
"""
from __future__ import annotations

import errno
import logging
import re
import selectors
import socket
import time
from functools import partial

from gunicorn import util
from gunicorn.workers import gthread

from web.security import SECURITY_HEADERS

HEAD_TIMEOUT = 10.0     # seconds a client has, from connecting or from its last response, to send a request
IO_TIMEOUT = 10.0       # seconds any one read or write of a thread may wait on a client
HEAD_BUFFER = 32 * 1024  # a longer head goes to gunicorn's parser as it is, which answers 414 or 431
BODY_BUFFER = 32 * 1024  # bodies are read on the main loop up to this size (forms are far smaller)
RECV_SIZE = 16 * 1024
END_OF_HEAD = b"\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length[ \t]*:[ \t]*(\d{1,12})[ \t]*\r\n", re.IGNORECASE)
_EXTRA = "".join(f"{name}: {value}\r\n" for name, value in SECURITY_HEADERS.items()).encode("latin-1")

log = logging.getLogger("gunicorn.error")


class TimeoutSocket(socket.socket):
    """A client socket whose blocking mode still times out, so a stalled client frees its thread."""

    def setblocking(self, flag: bool) -> None:
        """Use IO_TIMEOUT instead of blocking for ever."""
        self.settimeout(IO_TIMEOUT if flag else 0.0)

    def recv(self, *args):
        """Receive, turning a timeout into a reset so gunicorn drops the client quietly."""
        try:
            return super().recv(*args)
        except TimeoutError:
            log.info("closing a client that sent nothing for %s s", IO_TIMEOUT)
            raise ConnectionResetError(errno.ECONNRESET, "client too slow") from None

    def sendall(self, *args):
        """Send, turning a timeout (a client that stopped reading) into a broken pipe."""
        try:
            return super().sendall(*args)
        except TimeoutError:
            log.info("closing a client that read nothing for %s s", IO_TIMEOUT)
            raise BrokenPipeError(errno.EPIPE, "client too slow") from None


class HeadConn(gthread.TConn):
    """A connection that collects its request on the main loop before a thread parses it."""

    def __init__(self, cfg, sock, client, server):
        super().__init__(cfg, TimeoutSocket(fileno=sock.detach()), client, server)
        self.buffer, self.body_at, self.body_size = bytearray(), -1, 0

    def received(self, data: bytes) -> bool:
        """Add bytes read on the main loop; tell whether the request is complete enough for a thread."""
        start = max(0, len(self.buffer) - len(END_OF_HEAD) + 1)  # never rescan: a byte at a time stays linear
        self.buffer += data
        if self.body_at < 0:
            end = self.buffer.find(END_OF_HEAD, start)
            if end < 0:
                return len(self.buffer) >= HEAD_BUFFER
            self.body_at = end + len(END_OF_HEAD)
            length = _CONTENT_LENGTH.search(bytes(self.buffer[:end + 2]))
            self.body_size = min(int(length.group(1)), BODY_BUFFER) if length else 0
        return len(self.buffer) - self.body_at >= self.body_size

    def init(self) -> None:
        """Make the parser (once), then give it the bytes read on the main loop."""
        super().init()
        if self.buffer:
            self.parser.unreader.unread(bytes(self.buffer))
        self.buffer, self.body_at, self.body_size = bytearray(), -1, 0

    def close(self, graceful: bool = False) -> None:
        """Close without lingering on the main loop: drain what has arrived, then close."""
        if graceful:
            try:
                self.sock.shutdown(socket.SHUT_WR)
                self.sock.settimeout(0.0)
                for _ in range(16):
                    if not self.sock.recv(65536):
                        break
            except OSError:
                pass
        util.close(self.sock)


class ThreadWorker(gthread.ThreadWorker):
    """gthread with requests read on the main loop, timed socket IO and headers on gunicorn's errors."""

    def accept(self, listener):
        """Accept a connection and wait for its request without taking a thread."""
        try:
            client_sock, client_addr = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self._await_head(HeadConn(self.cfg, client_sock, client_addr, listener.getsockname()))

    def on_client_socket_readable(self, conn, client):
        """Collect a kept-alive connection's next request on the main loop too."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._await_head(conn)
        self._read_head(conn, client)

    def _await_head(self, conn) -> None:
        conn.sock.setblocking(False)
        conn.timeout = time.monotonic() + HEAD_TIMEOUT
        self.pending_conns.append(conn)  # murder_pending closes it when the timeout passes
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._read_head, conn))

    def _read_head(self, conn, client) -> None:
        try:
            data = conn.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if data and not conn.received(data):
            return
        self.poller.unregister(client)
        self.pending_conns.remove(conn)
        if not data:  # the client closed (or failed) before its request was complete: nobody to answer,
            self.nr_conns -= 1  # and a truncated form must not be acted on (an empty token is a failure)
            conn.close()
            return
        conn.data_ready = True
        self.enqueue_req(conn)

    def handle_error(self, req, client, addr, exc):
        """Write gunicorn's own error response with the security headers added."""
        super().handle_error(req, _HeaderedSocket(client), addr, exc)


class _HeaderedSocket:
    """Stand in for a client socket, adding the security headers to the response written to it."""

    def __init__(self, sock):
        self._sock = sock

    def sendall(self, data: bytes) -> None:
        """Send data with the headers inserted after its status line."""
        status, sep, rest = data.partition(b"\r\n")
        self._sock.sendall(status + sep + _EXTRA + rest if sep else data)

    def __getattr__(self, name):
        return getattr(self._sock, name)
