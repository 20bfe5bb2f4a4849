# Build stage: the dependencies (from the tested set, constraints.txt) in a layer of their
# own, then the wheel; compiled where needed, kept out of the image.
FROM python:3.11-slim AS build
WORKDIR /src
# Only what names the dependencies: a change to the sources reuses this layer.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
    && pip install --no-cache-dir --prefix=/install -r requirements.txt -c constraints.txt
# setup.py compiles the translations (bot/locale) into the wheel
COPY setup.py README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY entrypoints ./entrypoints
RUN pip install --no-cache-dir --no-deps --prefix=/install .

# Run stage: the installed packages only, as an unprivileged user; data in the /data volume.
FROM python:3.11-slim
RUN useradd --create-home --uid 1000 reelbot && mkdir /data && chown reelbot /data
COPY --from=build /install /usr/local
# The operators' listener answers inside the container only, unless configured: it needs no
# secret and shows spend figures, so `docker run -p 9102:9102` must not publish it by
# accident. compose.yaml sets 0.0.0.0:9102 and publishes it on the host's loopback.
ENV REELBOT_DATA_DIR=/data \
    REELBOT_HTTP_LISTEN=127.0.0.1:9102 \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
USER reelbot
# 9102: /healthz and /metrics for operators (publish it only on a private network);
# 8443: Telegram webhook mode, when TELEGRAM_WEBHOOK_URL is set.
EXPOSE 9102 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:9102/healthz', timeout=4).status != 200)"
# the data directory as a flag: an env file's REELBOT_DATA_DIR cannot move it off the volume
CMD ["reelbot", "run", "--data-dir", "/data"]
