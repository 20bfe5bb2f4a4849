# Build stage: a wheel and its dependencies, compiled where needed, kept out of the image.
FROM python:3.11-slim AS build
WORKDIR /src
# setup.py compiles the translations (bot/locale) into the wheel
COPY pyproject.toml setup.py README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY entrypoints ./entrypoints
RUN pip install --no-cache-dir --prefix=/install .

# Run stage: the installed packages only, as an unprivileged user; data in the /data volume.
FROM python:3.11-slim
RUN useradd --create-home --uid 1000 reelbot && mkdir /data && chown reelbot /data
COPY --from=build /install /usr/local
ENV REELBOT_DATA_DIR=/data \
    REELBOT_HTTP_LISTEN=0.0.0.0:9102 \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
USER reelbot
# 9102: /healthz and /metrics for operators (publish it only on a private network);
# 8443: Telegram webhook mode, when TELEGRAM_WEBHOOK_URL is set.
EXPOSE 9102 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:9102/healthz', timeout=4).status != 200)"
CMD ["reelbot", "run"]
