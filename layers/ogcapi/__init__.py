"""OGC API Features (Part 1 Core, Part 2 CRS, Part 3 Filtering with CQL2) over the portal's vector layers."""
