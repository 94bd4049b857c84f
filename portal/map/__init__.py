"""The web map: page, basemap styles, search and identify. The script lives in portal/static/portal/map/."""
