# The wrapup-assets code location for the official Helm chart (dagster/dagster): the chart's user
# deployment starts it with `dagster api grpc` (dagsterApiGrpcArgs in deploy/values.yaml), and the
# Kubernetes run launcher runs each run in this same image. Build: docker build -t wrapup-assets .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin dagster \
    && mkdir -p /opt/dagster/dagster_home /opt/dagster/app \
    && chown -R dagster:dagster /opt/dagster

WORKDIR /opt/dagster/app
COPY pyproject.toml README.md workspace.yaml ./
COPY wrapup_assets ./wrapup_assets
# The project without its dev extra, plus what a deployment needs (PostgreSQL storage, Kubernetes runs).
RUN pip install --no-cache-dir '.[production]'

USER 10001
EXPOSE 3030
# Standalone (docker run): the gRPC code server. The Helm chart replaces this with its own
# `dagster api grpc -h 0.0.0.0 -p 3030 -m wrapup_assets.definitions`.
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "3030", "-m", "wrapup_assets.definitions"]
