"""One instance per library: the local server, its protocol, a stale socket."""

from __future__ import annotations

import json
import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtNetwork import QLocalSocket
from pytestqt.qtbot import QtBot

from refman.gui.single_instance import (
    InstanceLock,
    InstanceServer,
    OpenRequest,
    decode_request,
    encode_request,
    instance_key,
    server_name,
)


@pytest.fixture(autouse=True)
def runtime_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Locks and sockets in a folder of the test's own (short: a socket's path is)."""
    with tempfile.TemporaryDirectory(prefix="refman-run-") as folder:
        monkeypatch.setenv("XDG_RUNTIME_DIR", folder)
        yield Path(folder)


@pytest.fixture
def server(qtbot: QtBot) -> Iterator[InstanceServer]:
    listening = InstanceServer(instance_key("sqlite:////tmp/test-library.sqlite"))
    assert listening.listen(), listening.error
    yield listening
    listening.close()


def connect(qtbot: QtBot, server: InstanceServer) -> QLocalSocket:
    client = QLocalSocket()
    client.connectToServer(server.name)
    assert client.waitForConnected(5000), client.errorString()
    return client


def reply_of(qtbot: QtBot, client: QLocalSocket) -> bytes:
    if not client.bytesAvailable():
        with qtbot.waitSignal(client.readyRead, timeout=5000):
            pass
    return bytes(client.readAll().data())


def test_the_key_depends_on_the_library(runtime_dir: Path) -> None:
    one = instance_key("sqlite:////home/a/library.sqlite")
    assert one == instance_key("sqlite:////home/a/library.sqlite")
    assert one != instance_key("sqlite:////home/a/other.sqlite")
    assert one.startswith("refman-")
    assert server_name(one) == str(runtime_dir / f"{one}.sock")
    # A shared library however its URL is written (default port, a password in it).
    lab = instance_key("postgresql+psycopg://alice@labserver/lab")
    assert lab == instance_key("postgresql+psycopg://alice:s3cret@labserver:5432/lab")
    assert lab != instance_key("postgresql+psycopg://bob@labserver/lab")
    assert lab != instance_key("postgresql+psycopg://alice@labserver/other")


def test_a_socket_path_too_long_for_unix_falls_back_to_the_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = tmp_path / ("x" * 90)
    deep.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    key = instance_key("sqlite:////tmp/library.sqlite")
    assert server_name(key) == key
    server = InstanceServer(key)
    try:
        assert server.listen(), server.error
    finally:
        server.close()


def test_requests_round_trip_and_garbage_is_refused() -> None:
    request = OpenRequest([Path("/tmp/a b.bib"), Path("/tmp/ü.ris")], "token-1")
    line = encode_request(request)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert decode_request(line) == request
    for bad in (
        b"not json",
        b"[]",
        json.dumps({"protocol": 99, "files": []}).encode(),
        json.dumps({"protocol": 1, "files": "a.bib"}).encode(),
        json.dumps({"protocol": 1, "files": [3]}).encode(),
        b"\xff\xfe",
    ):
        with pytest.raises(ValueError):  # noqa: PT011 (json's and unicode's errors are ValueErrors)
            decode_request(bad)


def test_the_server_answers_ok_and_reports_the_request(
    qtbot: QtBot, server: InstanceServer
) -> None:
    client = connect(qtbot, server)
    request = OpenRequest([Path("/tmp/one.bib")], "")
    with qtbot.waitSignal(server.sig_request_received, timeout=5000) as received:
        # In two writes: a request may arrive in pieces.
        line = encode_request(request)
        client.write(QByteArray(line[:5]))
        client.flush()
        qtbot.waitUntil(lambda: b"" not in server._buffers.values() and server._buffers != {})
        client.write(QByteArray(line[5:]))
        client.flush()
    assert received.args == [request]
    assert reply_of(qtbot, client) == b"ok\n"


def test_the_server_refuses_what_is_not_a_request(qtbot: QtBot, server: InstanceServer) -> None:
    client = connect(qtbot, server)
    with qtbot.assertNotEmitted(server.sig_request_received, wait=200):
        client.write(QByteArray(b'{"hello": "world"}\n'))
        client.flush()
        assert reply_of(qtbot, client).startswith(b"error:")


def test_a_stale_socket_of_a_crashed_instance_is_replaced(qtbot: QtBot, runtime_dir: Path) -> None:
    key = instance_key("sqlite:////tmp/crashed.sqlite")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(server_name(key))  # a socket file nobody listens on, as a crash leaves it
    stale.close()
    assert Path(server_name(key)).exists()
    server = InstanceServer(key)
    try:
        assert server.listen(), server.error
        client = QLocalSocket()
        client.connectToServer(server.name)
        assert client.waitForConnected(5000)
    finally:
        server.close()


def test_the_lock_admits_one_holder_at_a_time() -> None:
    key = instance_key("sqlite:////tmp/locked.sqlite")
    first, second = InstanceLock(key), InstanceLock(key)
    assert first.try_acquire()
    assert not second.try_acquire()
    assert second.holder() == os.getpid()
    first.release()
    assert second.try_acquire()
    second.release()
    assert not Path(second.path).exists()
