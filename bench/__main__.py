"""`make bench`: python -m bench [import | tiles | features | incidents | planning | reports | cameras | load]
[--parcels N …];
with no command, all run."""

import argparse
import os
import sys

COMMANDS = ("import", "tiles", "features", "incidents", "planning", "reports", "cameras", "load")


def _parser(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"make bench ARGS='{command} …'" if command != "all" else "make bench")
    if command in ("tiles", "features", "planning", "reports"):
        parser.add_argument("--parcels", type=int, default=1_000_000,
                            help=f"generated parcels under the {command}")
    elif command == "load":
        parser.add_argument("--parcels", type=int, default=10_000, help="parcels of the demo province")
    else:
        parser.add_argument("--parcels", type=int, nargs="+", default=[200_000, 1_000_000],
                            help="sizes of the import benchmark (peak memory at two sizes shows it is streamed)"
                                 + ("; the tiles run on the largest" if command == "all" else ""))
    if command in ("incidents", "all"):
        incidents = parser.add_argument_group("incidents")
        incidents.add_argument("--reports", type=int, default=2000, help="reports in the burst without media")
        incidents.add_argument("--with-photo", type=int, default=100, help="reports each with a 2 MB photo")
        incidents.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients")
        incidents.add_argument("--web-workers", type=int, default=2, help="uvicorn workers (one per core)")
    if command in ("planning", "all"):
        planning = parser.add_argument_group("planning")
        planning.add_argument("--samples", type=int, default=300, help="parcels looked up each way")
        planning.add_argument("--sheets", type=int, default=20, help="planning sheets (PDF) issued")
    if command in ("import", "all"):
        parser.add_argument("--repeat", type=int, default=3, help="import runs of each side, taking turns")
    if command in ("reports", "all"):
        reports = parser.add_argument_group("reports")
        reports.add_argument("--incidents", type=int, default=5000, help="incidents in the reported week")
        reports.add_argument("--history", type=int, default=8000, help="incidents in the 8 weeks before")
    if command in ("features", "all"):
        features = parser.add_argument_group("features")
        features.add_argument("--pages", type=int, default=40, help="pages of 1,000 features in each list")
    if command in ("tiles", "all"):
        tiles = parser.add_argument_group("tiles")
        tiles.add_argument("--per-zoom", type=int, default=60, help="parcel tiles drawn at each zoom 12–17")
        tiles.add_argument("--buildings-per-zoom", type=int, default=12, help="OSM building tiles at each zoom")
        tiles.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="uvicorn workers, one run each")
        tiles.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
        tiles.add_argument("--connections", type=int, default=16, help="wrk connections")
        tiles.add_argument("--runs", type=int, default=3, help="wrk runs of each cell; the median is shown")
        tiles.add_argument("--no-tipg", dest="tipg", action="store_false", help="leave tipg (d) out")
    if command == "features":
        parser.add_argument("--no-tipg", dest="tipg", action="store_false", help="leave tipg out")
    if command == "cameras":
        parser.add_argument("--repeat", type=int, default=3, help="runs of each clip; the best CPU time counts")
    if command == "load":
        parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
        parser.add_argument("--connections", type=int, default=16, help="wrk connections")
        parser.add_argument("--web-workers", type=int, default=2, help="uvicorn workers (one per core)")
    return parser


def _migrated() -> None:
    """Every bench reads the portal's tables: a fresh machine's database has none until it is migrated."""
    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def main(argv: list[str]) -> int:
    command = argv[0] if argv and argv[0] in COMMANDS else "all"
    args = _parser(command).parse_args(argv[1:] if command != "all" else argv)
    _migrated()
    if command in ("import", "all"):
        from . import import_parcels

        import_parcels.run(args.parcels, repeat=args.repeat)
    if command in ("tiles", "all"):
        from . import tiles

        if command == "all":
            print()
        tiles.run(max(args.parcels) if command == "all" else args.parcels, per_zoom=args.per_zoom,
                  buildings_per_zoom=args.buildings_per_zoom, workers=tuple(args.workers), seconds=args.seconds,
                  connections=args.connections, tipg=args.tipg, runs=args.runs)
    if command in ("features", "all"):
        from . import features

        if command == "all":
            print()
        features.run(max(args.parcels) if command == "all" else args.parcels, pages=args.pages, tipg=args.tipg)
    if command in ("incidents", "all"):
        from . import incidents

        if command == "all":
            print()
        incidents.run(reports=args.reports, with_photo=args.with_photo, clients=args.clients,
                      web_workers=args.web_workers)
    if command in ("planning", "all"):
        from . import planning

        if command == "all":
            print()
        planning.run(max(args.parcels) if command == "all" else args.parcels, samples=args.samples,
                     sheets=args.sheets)
    if command in ("reports", "all"):
        from . import reports

        if command == "all":
            print()
        reports.run(incidents=args.incidents, history=args.history,
                    parcels=max(args.parcels) if command == "all" else args.parcels)
    if command in ("cameras", "all"):
        from . import cameras

        if command == "all":
            print()
        cameras.run(repeat=args.repeat)
    if command in ("load", "all"):
        from . import load

        if command == "all":
            print()
        load.run(seconds=args.seconds, connections=args.connections, web_workers=args.web_workers,
                 parcels=args.parcels if command == "load" else 10_000)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
