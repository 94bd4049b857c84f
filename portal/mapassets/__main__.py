"""python -m portal.mapassets [--force]: build glyphs and sprites into built/map/ if out of date."""

import sys

from .build import build

if __name__ == "__main__":
    try:
        build(lambda message: print(f"bootstrap: {message}", flush=True), force="--force" in sys.argv[1:])
    except FileNotFoundError as exc:
        print(f"bootstrap: {exc}", file=sys.stderr)
        sys.exit(2)
