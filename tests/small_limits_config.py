"""The production gunicorn settings with one worker holding at most 20 connections,
so a test can reach the cap with a few sockets. Used by tests/test_connections.py."""

from mapapp.gunicorn_config import *  # noqa: F403 (the settings under test, unchanged)

workers = 1
worker_connections = 20
