"""Open311 GeoReport v2 at /open311/v2/: the incident intake and public list in the standard's shape."""
