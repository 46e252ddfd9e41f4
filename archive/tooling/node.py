"""A local Apache Cassandra 5.0 node for development and tests, built from Maven Central jars.

`notes-archive node start|stop|status|logs` drives it. The jars are resolved once through
`node/cassandra-pom.xml` into `<node_dir>/lib`; every other start reuses them. The node's yaml,
logback and JVM options are written under `<node_dir>/conf` (all of `var/` is gitignored), and
the JVM is started detached with its output in `<node_dir>/logs`. See docs/cassandra-node.md for
what differed from the researched recipe.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from archive.config import PROJECT_ROOT, Settings

POM = PROJECT_ROOT / "node" / "cassandra-pom.xml"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
START_TIMEOUT = 180.0
STOP_TIMEOUT = 60.0

# conf/jvm-server.options and conf/jvm17-server.options of Cassandra 5.0, less AlwaysPreTouch
# (slow start, full RSS at once), PerfDisableSharedMem (hides the JVM from jcmd) and a fixed
# G1 region size (too few regions on a 1 GB heap).
JVM17_OPTIONS = """
-ea
-da:net.openhft...
-XX:+UseThreadPriorities
-XX:+HeapDumpOnOutOfMemoryError
-XX:+ExitOnOutOfMemoryError
-Xss256k
-XX:+UseTLAB
-XX:+ResizeTLAB
-XX:+UseNUMA
-Djava.net.preferIPv4Stack=true
-Dchronicle.analytics.disable=true
-XX:+UseG1GC
-XX:+ParallelRefProcEnabled
-XX:MaxTenuringThreshold=1
-XX:G1RSetUpdatingPauseTimePercent=5
-XX:MaxGCPauseMillis=300
-XX:InitiatingHeapOccupancyPercent=70
-Djdk.attach.allowAttachSelf=true
--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED
--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
--add-exports=java.management/com.sun.jmx.remote.security=ALL-UNNAMED
--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED
--add-exports=java.sql/java.sql=ALL-UNNAMED
--add-exports=java.base/java.lang.ref=ALL-UNNAMED
--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED
--add-opens=java.base/java.lang.module=ALL-UNNAMED
--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED
--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED
--add-opens=java.base/jdk.internal.math=ALL-UNNAMED
--add-opens=java.base/jdk.internal.module=ALL-UNNAMED
--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED
--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED
--add-opens=java.base/sun.nio.ch=ALL-UNNAMED
--add-opens=java.base/java.io=ALL-UNNAMED
--add-opens=java.base/java.lang.reflect=ALL-UNNAMED
--add-opens=java.base/java.lang=ALL-UNNAMED
--add-opens=java.base/java.util=ALL-UNNAMED
--add-opens=java.base/java.nio=ALL-UNNAMED
-Dio.netty.tryReflectionSetAccessible=true
-Dio.netty.allocator.useCacheForAllThreads=true
-Dio.netty.allocator.maxOrder=11
""".split()

YAML_TEMPLATE = """\
# Written by `notes-archive node start`; edit archive/tooling/node.py, not this file.
cluster_name: {cluster_name}
num_tokens: 16
allocate_tokens_for_local_replication_factor: {replication}
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
{snitch}
commitlog_sync: periodic
commitlog_sync_period: 10000ms
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "{seeds}"
listen_address: {address}
rpc_address: {address}
auto_bootstrap: false
storage_port: {storage_port}
native_transport_port: {native_port}
start_native_transport: true
auto_snapshot: false
concurrent_reads: 16
concurrent_writes: 16
concurrent_counter_writes: 8
concurrent_compactors: 1
file_cache_size: 64MiB
networking_cache_size: 16MiB
sasi_indexes_enabled: false
materialized_views_enabled: false
"""

LOGBACK = """\
<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>${cassandra.logdir}/system.log</file>
    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
      <fileNamePattern>${cassandra.logdir}/system.log.%i.zip</fileNamePattern>
      <minIndex>1</minIndex><maxIndex>3</maxIndex>
    </rollingPolicy>
    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
      <maxFileSize>20MB</maxFileSize>
    </triggeringPolicy>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %logger{0}:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
"""


class NodeError(Exception):
    """The local node cannot be provisioned, started or stopped; the message says why."""


@dataclass(frozen=True)
class NodeStatus:
    """What `node status` reports."""

    pid: int | None
    running: bool
    answering: bool
    release_version: str | None
    rss_mb: float | None


class LocalNode:
    """One local Cassandra node living in settings.node_dir."""
    SNITCH = "endpoint_snitch: SimpleSnitch"  # the yaml's snitch lines (a cluster's nodes differ)

    def __init__(self, settings: Settings, address: str = "127.0.0.1", home: Path | None = None,
                 ports: tuple[int, int, int] | None = None, seeds: str | None = None, lib: Path | None = None,
                 cluster_name: str = "notes_archive_local", replication: int = 1, heap: str | None = None):
        self.settings = settings
        self.address = address
        self.home = home or settings.node_dir
        self.lib = lib or self.home / "lib"
        self.conf = self.home / "conf"
        self.logs = self.home / "logs"
        self.pidfile = self.home / "node.pid"
        # (native transport, storage, JMX): the settings' single node unless a cluster says otherwise
        self.native_port, self.storage_port, self.jmx_port = ports or (
            settings.cassandra_port, settings.node_storage_port, settings.node_jmx_port)
        self.seeds = seeds or f"{address}:{self.storage_port}"
        self.cluster_name, self.replication, self.heap = cluster_name, replication, heap or settings.node_heap

    # -- provisioning -------------------------------------------------------------------------
    def java(self) -> str:
        """Return the path of a Java 17 (or 11) executable, or raise naming what is missing."""
        candidates = []
        if os.environ.get("JAVA_HOME"):
            candidates.append(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
        candidates += sorted(Path("/usr/lib/jvm").glob("*17*/bin/java"))
        if shutil.which("java"):
            candidates.append(Path(shutil.which("java")))
        for java in candidates:
            if java.exists() and java_major(str(java)) in (11, 17):
                return str(java)
        raise NodeError(
            "Java 17 not found: Cassandra 5.0 runs on Java 11 or 17 only. "
            "Install it with `apt-get install openjdk-17-jdk-headless` or point JAVA_HOME at one."
        )

    def jars_ready(self) -> bool:
        """Tell whether lib/ holds the jars of the current pom (so a start downloads nothing)."""
        stamp = self.lib / ".pom-sha1"
        return stamp.exists() and stamp.read_text().strip() == _sha1(POM) and any(self.lib.glob("cassandra-all-*.jar"))

    def provision(self, log=print) -> None:
        """Resolve cassandra-all and its runtime dependencies from Maven Central into lib/."""
        if self.jars_ready():
            return
        mvn = shutil.which("mvn")
        if not mvn:
            raise NodeError("Maven (mvn) not found: it resolves the Cassandra jars. Install it with `apt-get install maven`.")
        log(f"resolving Cassandra jars from Maven Central into {self.lib} ...")
        tmp = self.lib.with_name("lib.partial")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        cmd = [mvn, "-B", "-q", "-f", str(POM), f"{DEPENDENCY_PLUGIN}:copy-dependencies",
               "-DincludeScope=runtime", f"-DoutputDirectory={tmp}"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0 or not any(tmp.glob("cassandra-all-*.jar")):
            tail = (proc.stdout + proc.stderr)[-2000:]
            raise NodeError(f"Maven could not resolve the Cassandra jars (exit {proc.returncode}):\n{tail}")
        shutil.rmtree(self.lib, ignore_errors=True)
        tmp.rename(self.lib)
        (self.lib / ".pom-sha1").write_text(_sha1(POM))

    def write_config(self) -> None:
        """Write cassandra.yaml, logback.xml and jvm options under conf/ (always regenerated)."""
        self.conf.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        (self.conf / "cassandra.yaml").write_text(YAML_TEMPLATE.format(
            storage_port=self.storage_port, native_port=self.native_port, address=self.address, seeds=self.seeds,
            cluster_name=self.cluster_name, replication=self.replication, snitch=self.SNITCH))
        (self.conf / "logback.xml").write_text(LOGBACK)
        (self.conf / "jvm17-server.options").write_text("\n".join(self.jvm_args()) + "\n")

    def jvm_args(self) -> list[str]:
        """Return the JVM arguments of the node (heap, flags, system properties, classpath)."""
        jamm = next(iter(sorted(self.lib.glob("jamm-*.jar"))), None)
        args = [f"-Xms{self.heap}", f"-Xmx{self.heap}", f"-XX:HeapDumpPath={self.home}"]
        args += JVM17_OPTIONS
        if jamm:
            args.append(f"-javaagent:{jamm}")
        args += [
            f"-Dcassandra.config=file://{self.conf / 'cassandra.yaml'}",
            f"-Dcassandra.storagedir={self.home}",
            f"-Dcassandra.logdir={self.logs}",
            f"-Dlogback.configurationFile={self.conf / 'logback.xml'}",
            "-Dcassandra-foreground=yes",
            f"-Dcassandra.jmx.local.port={self.jmx_port}",
            "-Dcom.sun.management.jmxremote.authenticate=false",
            "-Dcassandra.skip_wait_for_gossip_to_settle=0",
            "-Dcassandra.ring_delay_ms=1000",
            "-Dcassandra.superuser_setup_delay_ms=0",
            f"-Djna.tmpdir={self.home / 'tmp'}",
            "-cp", f"{self.conf}:{self.lib}/*",
            "org.apache.cassandra.service.CassandraDaemon",
        ]
        return args

    # -- lifecycle ----------------------------------------------------------------------------
    def version(self, timeout: float = 5.0) -> str | None:
        """Return this node's release_version, asked of this node alone, or None if it does not answer."""
        from archive import storage  # the only module that speaks CQL

        return storage.probe_release_version(self.settings, timeout=timeout, host=(self.address, self.native_port))

    def pid(self) -> int | None:
        """Return the pid of our running node, or None (a stale pidfile is removed)."""
        try:
            pid, age = int(self.pidfile.read_text().strip()), time.time() - self.pidfile.stat().st_mtime
        except (FileNotFoundError, ValueError):
            return None
        command = _cmdline(pid)  # empty for about a millisecond after Popen returns (measured): a node being born
        if _alive(pid) and ("CassandraDaemon" in command or (not command and age < 10)):
            return pid
        self.pidfile.unlink(missing_ok=True)
        return None

    def start(self, log=print) -> float:
        """Start the node unless it runs already; wait until CQL answers; return seconds taken."""
        t0 = time.monotonic()
        if self.pid() and self.version(timeout=5):
            log(f"node already running (pid {self.pid()}) on {self.address}:{self.native_port}")
            return 0.0
        if not self.pid() and port_busy(self.native_port, self.address):
            version = self.version(timeout=5)
            if version:
                log(f"Cassandra {version} already answers on {self.address}:{self.native_port} "
                    f"(not started from {self.home}); using it")
                return 0.0
        java = self.java()
        if not self.pid():
            for name, port, host in (("native transport", self.native_port, self.address),
                                     ("storage", self.storage_port, self.address), ("JMX", self.jmx_port, "127.0.0.1")):
                if port_busy(port, host):
                    raise NodeError(
                        f"port {port} ({name}) on {host} is already in use by another process: "
                        f"stop it or choose another port (NOTES_CASSANDRA_PORT, NOTES_NODE_STORAGE_PORT, "
                        f"NOTES_NODE_JMX_PORT)"
                    )
            self.provision(log)
            self.write_config()
            (self.home / "tmp").mkdir(parents=True, exist_ok=True)
            stdout = open(self.logs / "stdout.log", "ab")
            proc = subprocess.Popen(
                [java, *self.jvm_args()], stdout=stdout, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, cwd=self.home,
            )
            stdout.close()
            self.pidfile.write_text(str(proc.pid))
            log(f"started Cassandra (pid {proc.pid}); waiting for CQL on {self.address}:{self.native_port} ...")
        self.wait_ready(time.monotonic() + START_TIMEOUT)
        return time.monotonic() - t0

    def wait_ready(self, deadline: float) -> str:
        """Poll until `SELECT release_version FROM system.local` answers; raise if the JVM dies."""
        while time.monotonic() < deadline:
            pid = self.pid()
            if pid is None:
                raise NodeError("Cassandra exited during start-up:\n" + self.log_tail())
            if port_busy(self.native_port, self.address):
                version = self.version(timeout=5)
                if version:
                    return version
            time.sleep(0.5)
        raise NodeError(f"Cassandra did not answer CQL within {START_TIMEOUT:.0f}s:\n" + self.log_tail())

    def stop(self, log=print) -> bool:
        """Stop the node with SIGTERM (it drains), escalating to SIGKILL after a minute."""
        pid = self.pid()
        if pid is None:
            log("node is not running")
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            log(f"node (pid {pid}) ignored SIGTERM for {STOP_TIMEOUT:.0f}s; sending SIGKILL")
            os.kill(pid, signal.SIGKILL)
        self.pidfile.unlink(missing_ok=True)
        log(f"node (pid {pid}) stopped")
        return True

    def status(self) -> NodeStatus:
        """Report whether the node runs, answers CQL, its version and its resident memory."""
        pid = self.pid()
        version = self.version(timeout=5) if port_busy(self.native_port, self.address) else None
        return NodeStatus(pid, pid is not None, version is not None, version, rss_mb(pid) if pid else None)

    def log_tail(self, lines: int = 40) -> str:
        """Return the last lines of system.log and stdout.log."""
        out = []
        for name in ("system.log", "stdout.log"):
            path = self.logs / name
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {path} ---\n" + "\n".join(text))
        return "\n".join(out) or f"(no logs in {self.logs})"


def release_version(settings: Settings, timeout: float = 5.0) -> str | None:
    """Return the node's release_version from system.local, or None if it does not answer."""
    from archive import storage  # the only module that speaks CQL

    return storage.probe_release_version(settings, timeout=timeout)


def java_major(java: str) -> int | None:
    """Return the major version of a java executable, or None."""
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2)) if major == 1 and m.group(2) else major


def port_busy(port: int, host: str = "127.0.0.1") -> bool:
    """Tell whether something accepts TCP connections on host:port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def rss_mb(pid: int) -> float | None:
    """Return the resident set size of a process in MiB (Linux /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) is not alive for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()
