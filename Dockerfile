# One image for every app service in compose.yaml: web (uvicorn), worker and beat (Celery), migrate (one-shot).
# The build needs no secret: prod settings read theirs when a container starts, which is also when
# `collectstatic` runs (in compose.yaml's migrate service), never here.

# --- Stage 1: front-end packages and compiled translations -------------------------------------------------
# nodejs, npm and gettext are needed only to build; the runtime image gets their output, not the tools.
FROM python:3.11-slim-bookworm AS assets
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext nodejs npm fonts-noto-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The lock files alone first, so editing Python code does not re-run npm ci.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
# Every */locale/<lang>/LC_MESSAGES/*.po (django.po, and djangojs.po should one appear) becomes its .mo;
# a broken catalogue fails the build instead of shipping untranslated pages.
RUN find . -path ./node_modules -prune -o -path '*/locale/*/LC_MESSAGES/*.po' -print \
    | while read -r po; do msgfmt --check -o "${po%.po}.mo" "$po" || exit 1; done
# The map's glyphs and sprites (built/map/), from Noto Sans and the npm maki icons; no Django needed.
RUN pip install --no-cache-dir $(grep -E '^(freetype-py|resvg-py|numpy|pillow)==' requirements.lock) \
    && python -m portal.mapassets

# --- Stage 2: runtime --------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm
# PYTHONPATH=/app: the code runs from the source tree, so settings' BASE_DIR is /app and node_modules/,
# */locale/ and */static/ resolve there (the copy `pip install .` puts in site-packages is shadowed).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

# What GeoDjango loads at run time (GDAL, GEOS, PROJ), as bootstrap/system.py installs on a developer machine;
# pango and DejaVu (Vietnamese glyphs) for WeasyPrint's planning information sheets.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gdal-bin libgdal32 libgeos-c1v5 libproj25 \
        libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# An unprivileged account. /srv/static and /srv/media are the mount points of compose.yaml's named volumes;
# a new, empty volume takes the owner of its mount point, so collectstatic and uploads can write there.
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /home/portal --create-home \
        --shell /usr/sbin/nologin portal \
    && install -d -o portal -g portal -m 0755 /srv/static /srv/media

WORKDIR /app
COPY requirements.lock ./
RUN pip install --requirement requirements.lock

# Source, node_modules and the compiled .mo files, owned by root: the app user can read but not change its code.
COPY --from=assets /src /app
RUN pip install --no-deps . \
    && rm -rf build ./*.egg-info

USER portal:portal
EXPOSE 8000
CMD ["uvicorn", "portal.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "1"]
