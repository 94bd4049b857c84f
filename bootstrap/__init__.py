"""Bootstrap a fresh Debian machine for the portal: system packages, .venv, npm, PostGIS, Redis.

Stdlib only up to the point where the virtual environment exists, so it runs on a bare
`python3`. Every failure is a `BootstrapError` whose message is one line a person can act on.
"""
