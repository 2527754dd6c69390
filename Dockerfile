# syntax=docker/dockerfile:1
# Multi-stage: wheels are built in the first stage, the runtime image has no compiler and runs as a
# non-root user. The same image serves web (gunicorn), worker and beat; compose picks the command.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The runtime lock (requirements/base.txt): every package of the tree pinned, every download checked
# against its hash; the sdists among them are built here into wheels.
COPY requirements/base.txt requirements/base.txt
RUN pip wheel --require-hashes --wheel-dir /wheels -r requirements/base.txt

FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=shop.settings \
    DEBUG=0 \
    PORT=8000
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 curl procps \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system shop && useradd --system --gid shop --home /app --shell /usr/sbin/nologin shop
COPY --from=build /wheels /wheels
# Exactly the wheels of the lock, offline; --no-deps because the lock already holds the whole tree.
RUN pip install --no-index --no-deps /wheels/* && rm -rf /wheels
WORKDIR /app
COPY --chown=shop:shop . .
# collectstatic needs settings to import: a build-time key only, never used at run time.
RUN SECRET_KEY=build-only-collectstatic python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown -R shop:shop /app/media /app/staticfiles
USER shop
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${PORT}/health/" || exit 1
CMD ["gunicorn", "shop.wsgi:application", "--config", "deploy/gunicorn.conf.py"]
