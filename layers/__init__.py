"""Layers: administrative units now; the layer catalog and domain layers build on it."""
