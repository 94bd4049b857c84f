"""The offline map's own assets: glyph ranges and icon sprites, built from Debian fonts and npm icons."""
