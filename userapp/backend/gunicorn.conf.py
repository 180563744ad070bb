"""Gunicorn settings for the container: uvicorn workers on port 8000, sized by WEB_CONCURRENCY."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
worker_class = "uvicorn_worker.UvicornWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
worker_tmp_dir = "/dev/shm"  # noqa: S108 - heartbeat files on tmpfs, as Docker recommends for gunicorn
control_socket_disable = True  # gunicorn's admin socket is not used in containers (and $HOME is read-only)
