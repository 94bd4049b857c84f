"""Spatial functions that know no web framework: they take paths, geometries or connections and return records."""
