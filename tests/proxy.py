"""A loopback TCP proxy that can pass, freeze or cut connections: faults for real databases.

Frozen, it still accepts connections and reads what clients send (the kernel acknowledges the
bytes) but forwards nothing either way, like a hung proxy or server: clients wait forever
unless they guard themselves. Cut, it resets every open connection and every new one.
"""

from __future__ import annotations

import socket
import struct
import threading


class Proxy:
    """Forward 127.0.0.1:<port> to an upstream address until told otherwise."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._flowing = threading.Event()
        self._flowing.set()
        self._cut = False
        self._closed = False
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True, name="proxy-accept").start()

    def freeze(self) -> None:
        """Hold every byte in both directions; new connections are accepted and held too."""
        self._flowing.clear()

    def cut(self) -> None:
        """Reset every open connection and each new one until `restore()`."""
        with self._lock:
            self._cut = True
            for sock in list(self._sockets):
                _reset(sock)
            self._sockets.clear()
        self._flowing.set()  # let held pumps run into the closed sockets and end

    def restore(self) -> None:
        """Pass traffic again (connections held while frozen carry on where they stopped)."""
        with self._lock:
            self._cut = False
        self._flowing.set()

    def close(self) -> None:
        self._closed = True
        self.cut()
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self._cut:
                    _reset(client)
                    continue
                self._sockets.add(client)
            threading.Thread(target=self._open, args=(client,), daemon=True).start()

    def _open(self, client: socket.socket) -> None:
        self._flowing.wait()
        try:
            server = socket.create_connection(self.upstream, timeout=5)
            server.settimeout(None)
        except OSError:
            _reset(client)
            return
        with self._lock:
            if self._cut or client not in self._sockets:
                _reset(client)
                _reset(server)
                return
            self._sockets.add(server)
        for a, b in ((client, server), (server, client)):
            threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                self._flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._sockets.discard(source)
                self._sockets.discard(sink)
            _reset(source)
            _reset(sink)


def _reset(sock: socket.socket) -> None:
    try:
        # Linger 0: close sends RST, as a dropped connection looks to the client.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in recv on it
    except OSError:
        pass
    sock.close()
