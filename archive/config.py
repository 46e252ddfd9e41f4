"""Settings, read from the environment in one place (prefix NOTES_), with working local defaults."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name)
    return default if value is None or value.strip() == "" else value.strip()


@dataclass(frozen=True)
class Settings:
    """Every setting of the archive; see the README's configuration table."""

    cassandra_hosts: tuple[str, ...] = ("127.0.0.1",)
    cassandra_port: int = 9042
    keyspace: str = "notes_archive"
    replication: str = "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    read_consistency: str = "LOCAL_ONE"
    write_consistency: str = "LOCAL_QUORUM"
    request_timeout: float = 20.0
    sources: Path = PROJECT_ROOT / "sources.toml"
    node_dir: Path = PROJECT_ROOT / "var" / "cassandra"
    node_heap: str = "1G"
    node_storage_port: int = 7000
    node_jmx_port: int = 7199
    broker_url: str = "redis://127.0.0.1:6379/0"
    result_backend: str = "redis://127.0.0.1:6379/1"
    secret_key: str = "dev-only-secret-change-me"
    admin_token: str = ""
    reimport_interval: float = 300.0
    tag_counts_interval: float = 3600.0
    rebuild_hour: int = 3
    run_history_days: int = 90
    lease_ttl: int = 120
    visibility_timeout: int = 600
    web_port: int = 8000
    base_url: str = "http://127.0.0.1:8000"  # by default follows web_port
    allowed_hosts: tuple[str, ...] = ()
    secret_key_file: Path = PROJECT_ROOT / "var" / "secret_key"
    web_workers: int = 2
    web_threads: int = 8


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from the environment (NOTES_* variables), falling back to defaults."""
    env = os.environ if environ is None else environ
    d = Settings()

    def get(name: str, default: object) -> str:
        return _env(env, name, str(default))

    return Settings(
        cassandra_hosts=tuple(
            h.strip() for h in get("NOTES_CASSANDRA_HOSTS", ",".join(d.cassandra_hosts)).split(",") if h.strip()
        ),
        cassandra_port=int(get("NOTES_CASSANDRA_PORT", d.cassandra_port)),
        keyspace=get("NOTES_KEYSPACE", d.keyspace),
        replication=get("NOTES_REPLICATION", d.replication),
        read_consistency=get("NOTES_READ_CONSISTENCY", d.read_consistency).upper(),
        write_consistency=get("NOTES_WRITE_CONSISTENCY", d.write_consistency).upper(),
        request_timeout=float(get("NOTES_REQUEST_TIMEOUT", d.request_timeout)),
        sources=Path(get("NOTES_SOURCES", d.sources)),
        node_dir=Path(get("NOTES_NODE_DIR", d.node_dir)),
        node_heap=get("NOTES_NODE_HEAP", d.node_heap),
        node_storage_port=int(get("NOTES_NODE_STORAGE_PORT", d.node_storage_port)),
        node_jmx_port=int(get("NOTES_NODE_JMX_PORT", d.node_jmx_port)),
        broker_url=get("NOTES_BROKER_URL", d.broker_url),
        result_backend=get("NOTES_RESULT_BACKEND", d.result_backend),
        secret_key=get("NOTES_SECRET_KEY", d.secret_key),
        admin_token=get("NOTES_ADMIN_TOKEN", d.admin_token),
        reimport_interval=float(get("NOTES_REIMPORT_INTERVAL", d.reimport_interval)),
        tag_counts_interval=float(get("NOTES_TAG_COUNTS_INTERVAL", d.tag_counts_interval)),
        rebuild_hour=int(get("NOTES_REBUILD_HOUR", d.rebuild_hour)),
        run_history_days=int(get("NOTES_RUN_HISTORY_DAYS", d.run_history_days)),
        lease_ttl=int(get("NOTES_LEASE_TTL", d.lease_ttl)),
        visibility_timeout=int(get("NOTES_VISIBILITY_TIMEOUT", d.visibility_timeout)),
        web_port=int(get("NOTES_WEB_PORT", d.web_port)),
        base_url=get("NOTES_BASE_URL", f"http://127.0.0.1:{get('NOTES_WEB_PORT', d.web_port)}").rstrip("/"),
        allowed_hosts=tuple(h.strip() for h in get("NOTES_ALLOWED_HOSTS", "").split(",") if h.strip()),
        secret_key_file=Path(get("NOTES_SECRET_KEY_FILE", d.secret_key_file)),
        web_workers=int(get("NOTES_WEB_WORKERS", d.web_workers)),
        web_threads=int(get("NOTES_WEB_THREADS", d.web_threads)),
    )


def settings_table() -> list[tuple[str, str]]:
    """Return (environment variable, default) pairs, for the README and `notes-archive config`."""
    d = Settings()
    names = {
        "cassandra_hosts": "NOTES_CASSANDRA_HOSTS", "cassandra_port": "NOTES_CASSANDRA_PORT",
        "keyspace": "NOTES_KEYSPACE", "replication": "NOTES_REPLICATION",
        "read_consistency": "NOTES_READ_CONSISTENCY", "write_consistency": "NOTES_WRITE_CONSISTENCY",
        "request_timeout": "NOTES_REQUEST_TIMEOUT", "sources": "NOTES_SOURCES",
        "node_dir": "NOTES_NODE_DIR", "node_heap": "NOTES_NODE_HEAP",
        "node_storage_port": "NOTES_NODE_STORAGE_PORT", "node_jmx_port": "NOTES_NODE_JMX_PORT",
        "broker_url": "NOTES_BROKER_URL", "result_backend": "NOTES_RESULT_BACKEND",
        "secret_key": "NOTES_SECRET_KEY", "admin_token": "NOTES_ADMIN_TOKEN",
        "reimport_interval": "NOTES_REIMPORT_INTERVAL", "tag_counts_interval": "NOTES_TAG_COUNTS_INTERVAL",
        "rebuild_hour": "NOTES_REBUILD_HOUR", "run_history_days": "NOTES_RUN_HISTORY_DAYS",
        "lease_ttl": "NOTES_LEASE_TTL", "visibility_timeout": "NOTES_VISIBILITY_TIMEOUT",
        "web_port": "NOTES_WEB_PORT", "base_url": "NOTES_BASE_URL", "allowed_hosts": "NOTES_ALLOWED_HOSTS",
        "secret_key_file": "NOTES_SECRET_KEY_FILE", "web_workers": "NOTES_WEB_WORKERS",
        "web_threads": "NOTES_WEB_THREADS",
    }
    def shown(value: object) -> str:
        return ",".join(value) if isinstance(value, tuple) else str(value)

    return [(names[f.name], shown(getattr(d, f.name))) for f in fields(d) if f.name in names]
