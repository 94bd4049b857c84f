"""Layer kinds, one module each. To add a kind, write its module and name it here."""

import importlib

MODULES = ("planning", "underground", "irrigation", "cameras", "basemap")


def load_all() -> None:
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
