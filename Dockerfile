# syntax=docker/dockerfile:1
# AI-Trader: the REST API + worker and the four MCP tool servers, supervised by `ai-trader serve` (the entrypoint execs it).
# Build: docker build -t ai-trader .     Run: docker compose up -d   (see docs/deploy.md)
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build stage: a virtualenv with the pinned dependencies and the project --------------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first (their own layer, rebuilt only when the lock changes): exact versions from requirements.lock.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
# Then the project itself, without resolving anything new: a dependency missing from the lock fails `pip check`.
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir --no-deps . \
    && pip check

# --- runtime stage: no build tools, no sources, non-root ----------------------------------------------------------
FROM ${PYTHON_IMAGE}
ARG APP_UID=1000
ARG APP_GID=1000
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/app/data \
    CONFIGS_DIR=/app/configs \
    API_HOST=0.0.0.0 \
    API_PORT=8080
RUN groupadd --system --gid "${APP_GID}" app \
    && useradd --system --uid "${APP_UID}" --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /app/data /app/configs \
    && chown app:app /app /app/data /app/configs
COPY --from=build /opt/venv /opt/venv
COPY --chmod=0755 docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
WORKDIR /app
USER ${APP_UID}:${APP_GID}
VOLUME ["/app/data", "/app/configs"]
EXPOSE 8080 8000 8001 8002 8003
# /health answers 503 when the database, DATA_DIR, the worker or an MCP server is down; urlopen raises on it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.build_opener(u.ProxyHandler({})).open('http://127.0.0.1:' + os.environ.get('API_PORT', '8080') + '/health', timeout=4)"]
ENTRYPOINT ["docker-entrypoint.sh"]
