"""Settings, read from the environment in one place (prefix NOTES_), with working local defaults.

Each setting is declared once, as a field of Settings whose metadata names its environment variable
and the parser of its value; load_settings and settings_table are both made from those fields.
"""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _upper(value: str) -> str:
    return value.upper()


def _url(value: str) -> str:
    return value.rstrip("/")


def _setting(env: str, default: Any, parse: Callable[[str], Any] = str) -> Any:
    """A Settings field read from the environment variable `env` by `parse`, else `default`."""
    return field(default=default, metadata={"env": env, "parse": parse})


@dataclass(frozen=True)
class Settings:
    """Every setting of the archive; see the README's configuration table."""

    cassandra_hosts: tuple[str, ...] = _setting("NOTES_CASSANDRA_HOSTS", ("127.0.0.1",), _csv)
    cassandra_port: int = _setting("NOTES_CASSANDRA_PORT", 9042, int)
    keyspace: str = _setting("NOTES_KEYSPACE", "notes_archive")
    replication: str = _setting("NOTES_REPLICATION", "{'class': 'SimpleStrategy', 'replication_factor': 1}")
    read_consistency: str = _setting("NOTES_READ_CONSISTENCY", "LOCAL_ONE", _upper)
    write_consistency: str = _setting("NOTES_WRITE_CONSISTENCY", "LOCAL_QUORUM", _upper)
    request_timeout: float = _setting("NOTES_REQUEST_TIMEOUT", 20.0, float)
    sources: Path = _setting("NOTES_SOURCES", PROJECT_ROOT / "sources.toml", Path)
    node_dir: Path = _setting("NOTES_NODE_DIR", PROJECT_ROOT / "var" / "cassandra", Path)
    node_heap: str = _setting("NOTES_NODE_HEAP", "1G")
    node_storage_port: int = _setting("NOTES_NODE_STORAGE_PORT", 7000, int)
    node_jmx_port: int = _setting("NOTES_NODE_JMX_PORT", 7199, int)
    cluster_nodes: int = _setting("NOTES_CLUSTER_NODES", 3, int)
    cluster_dir: Path = _setting("NOTES_CLUSTER_DIR", PROJECT_ROOT / "var" / "cluster", Path)
    cluster_port: int = _setting("NOTES_CLUSTER_PORT", 9142, int)
    cluster_storage_port: int = _setting("NOTES_CLUSTER_STORAGE_PORT", 7100, int)
    cluster_jmx_port: int = _setting("NOTES_CLUSTER_JMX_PORT", 7300, int)  # node i uses this + i
    cluster_heap: str = _setting("NOTES_CLUSTER_HEAP", "512M")
    broker_url: str = _setting("NOTES_BROKER_URL", "redis://127.0.0.1:6379/0")
    result_backend: str = _setting("NOTES_RESULT_BACKEND", "redis://127.0.0.1:6379/1")
    secret_key: str = _setting("NOTES_SECRET_KEY", "dev-only-secret-change-me")
    admin_token: str = _setting("NOTES_ADMIN_TOKEN", "")
    reimport_interval: float = _setting("NOTES_REIMPORT_INTERVAL", 300.0, float)
    tag_counts_interval: float = _setting("NOTES_TAG_COUNTS_INTERVAL", 3600.0, float)
    rebuild_hour: int = _setting("NOTES_REBUILD_HOUR", 3, int)
    # Postings a search term's shard holds on average before the term's shards double (tests: a few dozen).
    postings_per_shard: int = _setting("NOTES_POSTINGS_PER_SHARD", 50_000, int)
    # Seconds a process reuses the search terms' shard counts; a split waits twice this before moving rows.
    shard_map_ttl: float = _setting("NOTES_SHARD_MAP_TTL", 2.0, float)
    run_history_days: int = _setting("NOTES_RUN_HISTORY_DAYS", 90, int)
    lease_ttl: int = _setting("NOTES_LEASE_TTL", 120, int)
    visibility_timeout: int = _setting("NOTES_VISIBILITY_TIMEOUT", 600, int)
    web_port: int = _setting("NOTES_WEB_PORT", 8000, int)
    # Unset, the base URL follows web_port (see load_settings); this default matches web_port's.
    base_url: str = _setting("NOTES_BASE_URL", "http://127.0.0.1:8000", _url)
    allowed_hosts: tuple[str, ...] = _setting("NOTES_ALLOWED_HOSTS", (), _csv)
    secret_key_file: Path = _setting("NOTES_SECRET_KEY_FILE", PROJECT_ROOT / "var" / "secret_key", Path)
    web_workers: int = _setting("NOTES_WEB_WORKERS", 2, int)
    web_threads: int = _setting("NOTES_WEB_THREADS", 8, int)
    # How often a web worker reads the archive's generation (a change shows within this bound).
    generation_interval_ms: int = _setting("NOTES_GENERATION_INTERVAL_MS", 500, int)
    # Bytes of whole responses each web worker keeps for the current generation.
    render_cache_bytes: int = _setting("NOTES_RENDER_CACHE_BYTES", 64 * 1024 * 1024, int)
    # Seconds a shared cache may serve a page without asking again (0: it revalidates every time, a 304).
    http_max_age: int = _setting("NOTES_HTTP_MAX_AGE", 0, int)
    # Where git sources' working copies live (the project's own, never a user's checkout).
    git_root: Path = _setting("NOTES_GIT_ROOT", PROJECT_ROOT / "var" / "git", Path)
    # Seconds one git command (a fetch, a clone) may take before it is killed and recorded as failed.
    git_timeout: float = _setting("NOTES_GIT_TIMEOUT", 120.0, float)
    # This machine's name in run leases and the import history (empty: the system's host name).
    host: str = _setting("NOTES_HOST", "")


def _env(env: Mapping[str, str], name: str) -> str | None:
    """The stripped value of `name`, or None when it is unset or blank."""
    value = env.get(name)
    return None if value is None or value.strip() == "" else value.strip()


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from the environment (NOTES_* variables), falling back to defaults."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = _env(env, f.metadata["env"])
        if raw is not None:
            values[f.name] = f.metadata["parse"](raw)
    if "base_url" not in values:
        values["base_url"] = f"http://127.0.0.1:{values.get('web_port', Settings.web_port)}"
    return Settings(**values)


def host_name() -> str:
    """Return the name this process gives its machine in leases and run records (NOTES_HOST, else
    the system's host name: two workers on one machine may pose as two hosts)."""
    return load_settings().host or socket.gethostname()


def settings_table() -> list[tuple[str, str]]:
    """Return (environment variable, default) pairs, for the README and `notes-archive config`."""
    def shown(value: object) -> str:
        return ",".join(value) if isinstance(value, tuple) else str(value)

    return [(f.metadata["env"], shown(f.default)) for f in fields(Settings)]
