"""Production server settings, shared by the Procfile and `mapapp serve`.

The app is built once in the master (`preload_app`), so bad data stops the start
before any worker forks, and workers share the ready pages.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = 4
preload_app = True
graceful_timeout = 20
timeout = 30
keepalive = 5
