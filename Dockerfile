# syntax=docker/dockerfile:1
#
# Hostolink's production image (step by step, in French: docs/deploiement.md).
#
#   docker build -t hostolink .
#   docker run -p 3000:3000 -e DATABASE_URL=... -e JWT_SECRET=... -e ... hostolink
#
# HOSTOLINK_ENV=production: the service refuses to start without DATABASE_URL (never the
# embedded PostgreSQL here), without a strong JWT_SECRET, or without a real OTP sender.
# No configuration value is baked into the image: everything comes from the environment.

# Python 3.11: the interpreter CI runs the suite on (and the oldest that pyproject accepts).
ARG PYTHON_IMAGE=python:3.11-slim

# --- Stage 1: install into a self-contained virtual environment ----------------------------
# The same steps, outside Docker, are .ci/build-wheel.sh (CI runs it): change both together.
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH

WORKDIR /build

# Dependencies first, in their own layer: a code change does not reinstall them. They come
# from the lock (tools/lock.sh): exact versions, every file checked against its sha256. Every
# dependency ships a wheel (asyncpg, argon2-cffi, pydantic-core...), so no compiler is needed.
# /opt/build holds the build tools (pip, setuptools: pinned too); the runtime venv gets no
# pip, only what production.txt lists, installed by the build venv's pip (--python).
COPY requirements/ ./requirements/
RUN python -m venv /opt/build \
    && /opt/build/bin/pip install --require-hashes -r requirements/build.txt \
    && python -m venv --without-pip /opt/venv \
    && /opt/build/bin/pip --python /opt/venv/bin/python install --require-hashes \
       -r requirements/production.txt

# The project as a wheel (MANIFEST.in: every file under src/hostolink, templates and static
# files included), installed non-editable and without dependencies: the lock has them all.
# Smoke tests from outside /build, so that only the installed package is imported.
COPY pyproject.toml MANIFEST.in README.md ./
COPY src ./src
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation -w /dist . \
    && /opt/build/bin/pip --python /opt/venv/bin/python install --no-deps /dist/hostolink-*.whl \
    && cd / \
    && hostolink --help > /dev/null \
    && HOSTOLINK_DATA_DIR=/tmp/smoke python -c "from hostolink.app import create_app; create_app(database_url='postgresql+asyncpg://x@localhost/x')"

# --- Stage 2: runtime image, without sources, caches or build tools -----------------------
FROM ${PYTHON_IMAGE}

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH \
    HOSTOLINK_ENV=production \
    HOSTOLINK_DATA_DIR=/app/.hostolink

RUN groupadd --system --gid 10001 hostolink \
    && useradd --system --uid 10001 --gid hostolink --home-dir /app --create-home \
       --shell /usr/sbin/nologin hostolink \
    && mkdir -p /app/.hostolink \
    && chown -R hostolink:hostolink /app

COPY --from=build /opt/venv /opt/venv

WORKDIR /app
USER 10001:10001

EXPOSE 3000

# Render uses its own health check (healthCheckPath: /ready in render.yaml); this one serves
# `docker run` and other orchestrators. The slim image has no curl: Python does the request.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '3000'), timeout=4)"]

# `serve` applies the migrations, seeds the reference data, then serves on $PORT (set by
# Render) with $WEB_CONCURRENCY worker processes. `exec` lets the server receive SIGTERM.
CMD ["sh", "-c", "exec hostolink serve --port \"${PORT:-3000}\""]
