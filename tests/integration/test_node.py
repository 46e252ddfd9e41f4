"""The local node launcher: refusals that name the problem, and recovery after SIGKILL."""
from __future__ import annotations

import dataclasses
import os
import signal
import socket
import time

import pytest

from archive.tooling.node import LocalNode, NodeError, java_major, release_version

pytestmark = pytest.mark.integration


def test_refuses_a_busy_port_and_names_it(tmp_path, node_settings):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        settings = dataclasses.replace(node_settings, cassandra_port=port, node_dir=tmp_path / "node")
        with pytest.raises(NodeError, match=f"port {port} \\(native transport\\)"):
            LocalNode(settings).start(log=lambda *_: None)
    assert not (tmp_path / "node" / "node.pid").exists()


def test_names_maven_when_it_is_missing(tmp_path, node_settings, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no mvn here
    node = LocalNode(dataclasses.replace(node_settings, node_dir=tmp_path / "node"))
    with pytest.raises(NodeError, match="Maven \\(mvn\\) not found.*apt-get install maven"):
        node.provision(log=lambda *_: None)


def test_java_version_is_read_from_the_jvm():
    node_java = LocalNode.java(LocalNode.__new__(LocalNode))
    assert java_major(node_java) in (11, 17)
    assert java_major("/nonexistent/java") is None


def test_node_comes_back_after_sigkill_with_its_data(node_settings, store):
    node = LocalNode(node_settings)
    pid = node.pid()
    if pid is None:
        pytest.skip("the node answering was not started by this project, so it is not ours to kill")
    store.put_document("recovery", "doc", "hash-before-kill", [], None, None, None, None)
    # Periodic commit-log mode replays up to the last sync marker, and markers are written on a
    # short interval: a write acknowledged a few ms before SIGKILL may be lost (docs/cassandra-node.md).
    time.sleep(1.5)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while node.pid() is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert release_version(node_settings, timeout=2) is None
    node.start(log=lambda *_: None)
    assert release_version(node_settings).startswith("5.0.")
    deadline = time.monotonic() + 90  # the shared session reconnects on its own schedule
    while True:
        try:
            row = store.get_document("recovery", "doc")
            break
        except Exception:  # noqa: BLE001 - NoHostAvailable until the driver reconnects
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    assert row["content_hash"] == "hash-before-kill"
