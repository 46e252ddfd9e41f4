"""WSGI entry point: `gunicorn wsgi:app`.

Building the app does not connect to Cassandra; each worker opens its own session on its first
request (see web.context.StoreHolder), so gunicorn's fork after import is safe.
"""
from web import create_app

app = create_app()
