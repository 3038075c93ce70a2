# Lantern: the bot, its shipped content, run as a non-root user.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANTERN_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
COPY moderation ./moderation
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin lantern \
    && mkdir -p /data \
    && chown lantern /data \
    && lantern validate

USER lantern
VOLUME ["/data"]
ENTRYPOINT ["lantern"]
CMD ["run"]
