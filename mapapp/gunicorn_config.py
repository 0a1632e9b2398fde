"""Production server settings, shared by the Procfile and `mapapp serve`.

The app is built once in the master (`preload_app`), so bad data stops the start
before any worker forks, and workers share the ready pages. `kill -HUP <master>`
reloads the data: the master builds the new state whole, then forks new workers from
it while the old ones finish their requests, so every worker serves the old data or
the new, never a mix. Data that fails the checks is refused and the old data stays.
"""

import contextlib
import ctypes
import gc
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# an event loop with a C HTTP parser: it answers ready bytes itself (mapapp.asgi) and
# runs Flask in a thread pool for the rest
worker_class = "mapapp.worker.Worker"
preload_app = True
graceful_timeout = 20
timeout = 30
keepalive = 5
# connections each worker holds (mapapp.worker): one more closes the oldest with no
# request being answered, or gets 503 when all are busy
worker_connections = 1000
# no control socket: nothing here uses it, and by default every instance on a machine
# would share one path ($XDG_RUNTIME_DIR/gunicorn.ctl)
control_socket_disable = True


def on_reload(server) -> None:  # gunicorn hook, in the master, before new workers fork
    """Build the new data whole; on any failure (refused data or a bug while building
    it) log it and keep the old data: an exception here would stop the master."""
    from mapapp import reload_data
    from mapapp.problems import DataError

    app = server.app.wsgi().flask  # the ASGI app gunicorn loaded wraps the Flask app
    version = app.extensions["mapapp"].catalogue.version
    try:
        state = reload_data(app)
    except DataError as error:
        server.log.error("data reload refused; still serving version %s\n%s", version, error)
        return
    except Exception:
        server.log.exception("data reload failed; still serving version %s", version)
        return
    server.log.info("data reloaded: version %s, %d features",
                    state.catalogue.version, state.catalogue.feature_count)


def pre_fork(server, worker) -> None:  # gunicorn hook, in the master
    """Move everything the master built (the catalogue, pages, libraries) out of the
    garbage collector's reach: workers then never pause to scan it, and its memory pages
    stay shared with the master instead of being copied by the collector's writes.
    Then give the system back what building freed: the C allocator keeps freed blocks
    for reuse (parsing a large catalogue frees hundreds of MB in small pieces), and
    every page the master holds counts again in each worker it forks."""
    gc.freeze()
    release_free_memory()


def release_free_memory() -> None:
    """glibc's malloc_trim: free pages back to the system (elsewhere, nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
