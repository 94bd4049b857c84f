"""Vector tiles straight from PostGIS: one ST_AsMVT statement per tile, cached in Redis by layer version."""
