"""A local Cassandra cluster of N nodes on loopback addresses, for trying the archive at RF 3.

Node i (from 1) listens on 127.0.0.i (Linux routes all of 127/8 to the loopback device) with the
cluster's native and storage ports, its own JMX port, data, logs and configuration under
`<NOTES_CLUSTER_DIR>/node<i>`, and the jars of the single local node (resolved once). Node 1 is
the seed. The settings are ccm's and the dtests' for small machines: a small heap, 16 tokens
allocated for the replication factor, `auto_bootstrap: false` (a new, empty cluster has nothing to
stream), gossip that does not wait to settle, a one-second ring delay; nodes start one after
another, each once the previous answers CQL, as ccm does (concurrent bootstraps are refused).
The stock guardrails (batch sizes) are kept, as on a cluster somebody else runs.
"""
from __future__ import annotations

import dataclasses
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from archive.config import Settings
from archive.tooling.node import JVM17_OPTIONS, START_TIMEOUT, LocalNode, NodeError, rss_mb

CLUSTER_NAME = "notes_archive_cluster"


@dataclass(frozen=True)
class ClusterNodeStatus:
    """One node of `cluster status`: address, pid, whether it answers, and nodetool's view of it."""

    address: str
    pid: int | None
    answering: bool
    state: str           # nodetool's two letters (UN: up and normal), or "--" when unknown
    load: str            # nodetool's load (data on disk), or ""
    rss_mb: float | None


class ClusterNode(LocalNode):
    """A node of the local cluster. It reads its own replica first whenever it holds one:
    GossipingPropertyFileSnitch (with SimpleSnitch's datacenter1 and rack1) puts the local node
    first, and no dynamic snitch reorders replicas by latency. A read at ONE coordinated by a
    replica then reads its own data alone (the cluster tests' per-node digests rely on it)."""

    SNITCH = "endpoint_snitch: GossipingPropertyFileSnitch\ndynamic_snitch: false"

    def write_config(self) -> None:
        super().write_config()
        (self.conf / "cassandra-rackdc.properties").write_text("dc=datacenter1\nrack=rack1\n")


class LocalCluster:
    """N local nodes forming one cluster (see the module docstring)."""

    def __init__(self, settings: Settings, nodes: int | None = None):
        self.settings = settings
        self.size = nodes or settings.cluster_nodes
        if not 1 <= self.size <= 9:
            raise NodeError(f"a local cluster has 1 to 9 nodes, not {self.size}")
        self.home = settings.cluster_dir
        seed = f"127.0.0.1:{settings.cluster_storage_port}"
        lib = settings.node_dir / "lib"  # the single node's jars: resolved once from Maven Central
        self.nodes = [ClusterNode(settings, address=f"127.0.0.{i}", home=self.home / f"node{i}",
                                ports=(settings.cluster_port, settings.cluster_storage_port,
                                       settings.cluster_jmx_port + i),
                                seeds=seed, lib=lib, cluster_name=CLUSTER_NAME, replication=min(3, self.size),
                                heap=settings.cluster_heap)
                      for i in range(1, self.size + 1)]

    def client_settings(self) -> Settings:
        """Return settings that make the archive use this cluster: every node a contact point, RF 3
        with NetworkTopologyStrategy, LOCAL_QUORUM reads and writes."""
        rf = min(3, self.size)
        return dataclasses.replace(
            self.settings, cassandra_hosts=tuple(n.address for n in self.nodes), cassandra_port=self.settings.cluster_port,
            replication=f"{{'class': 'NetworkTopologyStrategy', 'datacenter1': {rf}}}",
            read_consistency="LOCAL_QUORUM", write_consistency="LOCAL_QUORUM")

    def start(self, log=print) -> float:
        """Start every node not running, one after another; wait until all are up and normal."""
        t0 = time.monotonic()
        self.nodes[0].provision(log)
        for node in self.nodes:
            node.start(log)
        self.wait_normal(time.monotonic() + START_TIMEOUT)
        return time.monotonic() - t0

    def wait_normal(self, deadline: float) -> None:
        """Wait until nodetool on the first node sees every node Up and Normal."""
        while time.monotonic() < deadline:
            states = self.nodetool_states()
            if len(states) == self.size and all(s[0] == "UN" for s in states.values()):
                return
            time.sleep(1)
        raise NodeError(f"the cluster's nodes were not all up and normal within {START_TIMEOUT:.0f}s: "
                        f"{self.nodetool_states()}")

    def stop(self, log=print) -> None:
        """Stop every node (SIGTERM, SIGKILL after a minute), last first."""
        for node in reversed(self.nodes):
            node.stop(log)

    def nodetool(self, *args: str, node: int = 1, timeout: float = 60) -> str:
        """Run nodetool against a node's JMX port (node from 1); return its output."""
        return nodetool(self.nodes[node - 1], *args, timeout=timeout)

    def nodetool_states(self) -> dict[str, tuple[str, str]]:
        """Return address -> (state, load) as `nodetool status` on the first running node reports them."""
        for i, node in enumerate(self.nodes, start=1):
            if node.pid() is None:
                continue
            try:
                return parse_status(self.nodetool("status", node=i))
            except (NodeError, subprocess.TimeoutExpired):
                continue
        return {}

    def status(self) -> list[ClusterNodeStatus]:
        """Report each node: pid, whether it answers CQL, its state and load, its memory."""
        states = self.nodetool_states()
        out = []
        for node in self.nodes:
            pid = node.pid()
            state, load = states.get(node.address, ("--", ""))
            out.append(ClusterNodeStatus(node.address, pid, bool(pid and node.version(timeout=3)), state, load,
                                         rss_mb(pid) if pid else None))
        return out


def nodetool(target: LocalNode, *args: str, timeout: float = 60) -> str:
    """Run nodetool (its class is in the jars) against one node's JMX port; return its output.

    Any LocalNode will do: a cluster's node, or the single node (`LocalNode(settings)`, JMX 7199).
    """
    opens = [a for a in JVM17_OPTIONS if a.startswith(("--add-", "-Djava.net"))]  # as the daemon: Java 17
    # The jars' default logback logs netty at DEBUG into the output: a silent one instead.
    quiet = Path(tempfile.gettempdir()) / "notes-archive-nodetool-logback.xml"
    if not quiet.exists():
        quiet.write_text('<configuration><root level="OFF"/></configuration>\n')
    cmd = [target.java(), "-Xmx128m", *opens, f"-Dlogback.configurationFile={quiet}", "-cp", f"{target.lib}/*",
           "org.apache.cassandra.tools.NodeTool", "-h", "127.0.0.1", "-p", str(target.jmx_port), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise NodeError(f"nodetool {' '.join(args)} on {target.address} failed: {(proc.stdout + proc.stderr)[-500:]}")
    return proc.stdout


_STATUS_LINE = re.compile(r"^([UD][NLJM])\s+(\S+)\s+(\S+(?:\s+[KMGT]i?B)?)\s+")


def parse_status(text: str) -> dict[str, tuple[str, str]]:
    """Return address -> (state, load) from the output of `nodetool status`."""
    found = {}
    for line in text.splitlines():
        match = _STATUS_LINE.match(line.strip())
        if match:
            state, address, load = match.groups()
            found[address.split(":")[0]] = (state, load)
    return found


__all__ = ["ClusterNodeStatus", "LocalCluster", "nodetool", "parse_status"]
