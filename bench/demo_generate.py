"""Time the demo generator and its GeoPackage writer at benchmark sizes: `python -m bench.demo_generate --parcels N`."""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

from fixtures.demo_province import generate, write_geopackage

ROOT = Path(__file__).resolve().parent.parent


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parcels", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=58)
    parser.add_argument("--out", type=Path, help="also write a GeoPackage here")
    parser.add_argument("--boundaries", type=Path,
                        default=Path(os.environ.get("SHARED_DATA_DIR", ROOT.parent / "shared" / "data")) / "boundaries")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    demo = generate(parcels=args.parcels, seed=args.seed, boundaries_dir=args.boundaries)
    generated = time.perf_counter() - start
    counts = {kind: len(frame) for kind, frame in demo.layers().items()}
    print(f"generate: {generated:.1f} s, peak RSS {_peak_rss_mb():.0f} MB")
    print("  " + ", ".join(f"{kind} {count:,}" for kind, count in counts.items()))
    print(f"  plan decisions {len(demo.plan_decisions)}")
    if args.out:
        start = time.perf_counter()
        write_geopackage(demo, args.out)
        size_mb = args.out.stat().st_size / 1e6
        print(f"write_geopackage: {time.perf_counter() - start:.1f} s, {size_mb:.0f} MB, "
              f"peak RSS {_peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
