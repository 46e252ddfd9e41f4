"""Settings: each NOTES_ variable is declared once and both loading and the table come from it."""
from dataclasses import fields
from pathlib import Path

from archive.config import Settings, load_settings, settings_table


def test_every_field_names_its_variable_once_and_the_table_lists_them_in_order():
    names = [f.metadata["env"] for f in fields(Settings)]
    assert names == [f"NOTES_{f.name.upper()}" for f in fields(Settings)]
    assert [name for name, _ in settings_table()] == names
    assert len(set(names)) == len(names)


def test_the_table_shows_the_defaults_as_text():
    table = dict(settings_table())
    assert table["NOTES_CASSANDRA_HOSTS"] == "127.0.0.1"
    assert table["NOTES_ALLOWED_HOSTS"] == ""
    assert table["NOTES_REQUEST_TIMEOUT"] == "20.0"
    assert table["NOTES_BASE_URL"] == "http://127.0.0.1:8000"
    assert table["NOTES_SECRET_KEY"] == Settings().secret_key


def test_each_variable_is_read_by_its_own_field():
    env = {"NOTES_CASSANDRA_HOSTS": "a, b,", "NOTES_REQUEST_TIMEOUT": "2.5", "NOTES_SOURCES": "/x/s.toml",
           "NOTES_WRITE_CONSISTENCY": " quorum ", "NOTES_ALLOWED_HOSTS": ".example.org,x.test",
           "NOTES_WEB_THREADS": "3", "NOTES_BASE_URL": "https://notes.example.org/prefix/"}
    s = load_settings(env)
    assert s.cassandra_hosts == ("a", "b") and s.request_timeout == 2.5 and s.sources == Path("/x/s.toml")
    assert s.write_consistency == "QUORUM" and s.allowed_hosts == (".example.org", "x.test")
    assert s.web_threads == 3 and s.base_url == "https://notes.example.org/prefix"


def test_blank_values_fall_back_and_the_base_url_follows_the_web_port():
    assert load_settings({"NOTES_KEYSPACE": "  ", "NOTES_WEB_PORT": ""}) == Settings()
    assert load_settings({"NOTES_WEB_PORT": "9000"}).base_url == "http://127.0.0.1:9000"
    assert load_settings({"NOTES_WEB_PORT": "9000", "NOTES_BASE_URL": "http://h/"}).base_url == "http://h"
