"""The server the browser tests run against leaves nothing open behind it when it stops: a file still
being sent when a page closed was reported unclosed against whichever test ran when it was collected."""
import socket

from tests.serving import ThreadedServer


def test_a_file_the_client_stopped_reading_is_closed_when_the_server_stops(tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * (16 * 1024 * 1024))           # more than the sockets' buffers hold between them
    opened = []

    def app(environ, start_response):
        f = open(big, "rb")  # noqa: SIM115 - the server closes it, which is what is tested
        opened.append(f)
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return environ["wsgi.file_wrapper"](f, 8192)

    srv = ThreadedServer(app, threads=1)
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert s.recv(1)                                  # the answer has begun, and is read no further
            srv.stop()
        assert opened and opened[0].closed
    finally:
        for f in opened:
            f.close()
