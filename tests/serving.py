"""Starting the production server for tests and benchmarks: a free loopback port, and waiting for it."""
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc=None, seconds: float = 60, log_path=None) -> None:
    """Wait until something listens on ``port``; fail with the server's log if ``proc`` exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc is not None and proc.poll() is not None:
                log = open(log_path).read() if log_path else ""
                raise AssertionError(f"the server exited with {proc.returncode}: {log[-2000:]}") from None
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {seconds} s")


def serve(db: str, tmp_path, *args: str, env: dict | None = None, name: str = "server"):
    """``emergency serve`` on a free port with database ``db`` (and ``args``, e.g. ``--workers 2``);
    returns (process, port, log path)."""
    port = free_port()
    log_path = tmp_path / f"{name}.log"
    log = open(log_path, "w")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "webui.cli", "serve", "--port", str(port), "--db", db, *args],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    log.close()
    wait_for_port(port, proc, log_path=log_path)
    return proc, port, log_path


class ThreadedServer:
    """The app served by waitress in a thread of the test process, on a free loopback port.

    The thread runs waitress's poll loop itself and closes the sockets on its own side after the loop
    has stopped: closing them from another thread while the loop waits in ``select`` gave "Bad file
    descriptor" in that thread, reported against whichever test ran next.
    """

    def __init__(self, app, threads: int = 4, **adjustments):
        from waitress.server import create_server
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = create_server(app, host="127.0.0.1", port=self.port, threads=threads, **adjustments)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name=f"waitress-{self.port}")
        self._thread.start()

    def _serve(self) -> None:
        from waitress import wasyncore
        socket_map = getattr(self.server, "_map", None) or self.server.map
        try:
            while not self._stopping.is_set():
                self.server.asyncore.loop(timeout=0.05, map=socket_map, count=1)
        finally:
            self.server.task_dispatcher.shutdown()
            # A response still waiting in a channel (the favicon a browser stopped reading when its page
            # closed) holds its file open: the channel's handle_close closes what it has not sent, while
            # close_all only closes the sockets, and the file was later reported unclosed against
            # whichever test ran when it was collected.
            for channel in list(self.server.active_channels.values()):
                channel.handle_close()
            wasyncore.close_all(socket_map)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)
        assert not self._thread.is_alive(), "the test server did not stop"


@contextmanager
def loopback_http(answer: bytes = b"{}"):
    """A throw-away HTTP server on loopback that answers every GET and POST with ``answer`` and records each
    request as {"method", "path", "headers", "body"}; yields (port, the records)."""
    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def _record(self):
            length = int(self.headers.get("Content-Length", 0) or 0)
            received.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                             "body": self.rfile.read(length) if length else b""})
            self.send_response(200)
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = _record  # noqa: N815 - the standard library's names

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], received
    finally:
        server.shutdown()
        server.server_close()
