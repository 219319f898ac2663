"""A stand-in for a dead service: accepts TCP connections, counts them, closes them at once."""

from __future__ import annotations

import socket
import threading


class CountingListener:
    """Listen on ``port``; every connection is counted and closed without a byte."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connections = 0
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", port))
        self._server.listen(64)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> CountingListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()
        self._thread.join(5)

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return  # closed
            self.connections += 1
            connection.close()
