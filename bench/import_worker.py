"""One import in its own process, so the benchmark reads that process's peak memory alone."""

import os
import sys
import time

import django


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    django.setup()
    from layers.importing import ImportOptions, import_file
    from layers.models import Layer

    layer = Layer.objects.get(slug=sys.argv[1])
    start = time.perf_counter()
    report = import_file(layer, sys.argv[2], ImportOptions(source_layer=sys.argv[3] if len(sys.argv) > 3 else None))
    # VmHWM, not getrusage: ru_maxrss survives exec and would include the parent's memory at fork time.
    with open("/proc/self/status") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(f"{time.perf_counter() - start:.3f} {report.imported} {peak_kb // 1024}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
