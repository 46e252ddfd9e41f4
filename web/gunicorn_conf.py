"""gunicorn settings of the web front end: `gunicorn -c web/gunicorn_conf.py wsgi:app` (Procfile).

Threaded workers that read request heads on their main loop (web.gunicorn_worker), so idle or
slow clients hold no thread; every limit is explicit. A --bind on the command line wins over bind.
"""
from archive.config import load_settings

_settings = load_settings()

bind = f"127.0.0.1:{_settings.web_port}"
worker_class = "web.gunicorn_worker.ThreadWorker"
workers = _settings.web_workers
threads = _settings.web_threads
worker_connections = 1000       # open connections per worker, idle ones included
timeout = 30                    # a worker whose main loop is silent this long is restarted
graceful_timeout = 20
keepalive = 5                   # seconds an idle kept-alive connection stays open
limit_request_line = 4094       # longer request lines get gunicorn's 414 (with the security headers)
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
control_socket_disable = True   # no control socket in $HOME: several instances (tests, bin/run) may run at once
