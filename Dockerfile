# Lantern: the bot with its content, run as an unprivileged user on a read-only root.
# Pinned base: update the tag and digest deliberately (see README, "Upgrading").
FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANTERN_DATA_DIR=/data \
    LANTERN_WEBHOOK_LISTEN=0.0.0.0:8080

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
COPY moderation ./moderation
COPY emulator ./emulator
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin lantern \
    && mkdir -p /data \
    && chown lantern /data \
    && chmod 0700 /data \
    && lantern validate

USER 10001
# The moderator key is NOT in /data (a copy of the volume must not hold both the hashed
# moderator ids and the key to check them): mount it read-only as a secret and point
# LANTERN_MODERATOR_KEY_FILE at it, e.g. /run/secrets/lantern-moderator-key (README,
# "Docker"). Not set here, so an older /data/moderator.key keeps working until
# `lantern admin migrate-key` moves it.
VOLUME ["/data"]
EXPOSE 8080
# Polling mode: `lantern doctor --health` checks the database and content; webhook mode
# also answers GET /healthz on port 8080.
HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 \
    CMD ["lantern", "doctor", "--health"]
ENTRYPOINT ["lantern"]
CMD ["run"]
