# syntax=docker/dockerfile:1
# Build: the locked runtime dependencies, each checked against its hash, into a virtual
# environment, nothing else (the service runs from its source below; `make lock` writes the lock).
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements.lock ./
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --require-hashes -r requirements.lock

# Run: the source beside the environment, as an unprivileged user.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PORT=8000
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin service
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv
COPY --chown=service:service alembic.ini ./
COPY --chown=service:service alembic ./alembic
COPY --chown=service:service app ./app
USER service
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/health/ready', timeout=4)"
# Migrations first (alembic upgrade head), then uvicorn; SIGTERM drains in-flight requests.
CMD ["python", "-m", "app.cli", "serve"]
