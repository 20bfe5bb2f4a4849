FROM python:3.11-slim

# Run as an unprivileged user; the database and results live in the /data volume.
RUN useradd --create-home --uid 1000 reelbot
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
RUN pip install --no-cache-dir .

ENV REELBOT_DATA_DIR=/data \
    PYTHONUNBUFFERED=1
RUN mkdir /data && chown reelbot /data
VOLUME ["/data"]
USER reelbot
# Telegram webhook mode listens here when TELEGRAM_WEBHOOK_URL is set.
EXPOSE 8443
CMD ["reelbot", "run"]
