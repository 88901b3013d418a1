# syntax=docker/dockerfile:1
# Vigil's container image: a static-stdlib Swift build, run on Debian slim with librdkafka.
#
#   docker build -t vigil .
#   docker run --rm vigil run --brokers kafka:9092 --group vigil
#
# Rules are baked in at /etc/vigil/rules (the repository's rules/); mount a directory there to
# override them (edits hot-reload). The HTTP port (health, readiness, metrics, admin) is 8080.

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
# Debian bookworm's versions; override with --build-arg after a point release.
ARG LIBRDKAFKA_VERSION=2.0.2-1
ARG PKG_CONFIG_VERSION=1.8.1-1
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        "librdkafka-dev=${LIBRDKAFKA_VERSION}" "pkg-config=${PKG_CONFIG_VERSION}" \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so a source change does not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product vigil --static-swift-stdlib \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/vigil" /out/vigil

FROM ${RUNTIME_IMAGE}
ARG LIBRDKAFKA_VERSION=2.0.2-1
ARG CURL_VERSION=7.88.1-10+deb12u15
ARG CA_CERTIFICATES_VERSION=20230311+deb12u1
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        "librdkafka1=${LIBRDKAFKA_VERSION}" "curl=${CURL_VERSION}" \
        "ca-certificates=${CA_CERTIFICATES_VERSION}" \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 vigil \
    && useradd --system --uid 10001 --gid vigil --home-dir /nonexistent --shell /usr/sbin/nologin vigil
COPY --from=build /out/vigil /usr/local/bin/vigil
COPY rules/ /etc/vigil/rules/
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["curl", "--fail", "--silent", "--show-error", "--output", "/dev/null", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["vigil"]
CMD ["run", "--rules", "/etc/vigil/rules", "--http-port", "8080", "--log-format", "json"]
