"""The one error bootstrap raises: a single line saying what is wrong and how to fix it."""

__all__ = ["BootstrapError"]


class BootstrapError(RuntimeError):
    """Something on the machine stops the portal from starting; the message says how to fix it."""
