"""`make bench`: python -m bench [import_parcels] [--parcels N …]"""

import argparse
import sys

from . import import_parcels


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--parcels", type=int, nargs="+", default=[200_000, 1_000_000],
                        help="sizes of the import benchmark (peak memory at two sizes shows it is streamed)")
    args = parser.parse_args(argv)
    import_parcels.run(args.parcels)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
