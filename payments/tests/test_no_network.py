"""The root conftest keeps every test off the network (loopback stays open for PG, Redis and
stand-in servers)."""

import socket
import urllib.request

import pytest


def test_non_loopback_connections_are_refused():
    with pytest.raises(OSError, match="may not reach the network"):
        socket.create_connection(("203.0.113.1", 443), timeout=1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(OSError, match="may not reach the network"):
            sock.connect(("198.51.100.7", 80))
    finally:
        sock.close()
    with pytest.raises(OSError):
        urllib.request.urlopen("https://openapi.alipay.com/gateway.do", timeout=1)


def test_loopback_still_works():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        client = socket.create_connection(server.getsockname(), timeout=1)
        client.close()
    finally:
        server.close()
