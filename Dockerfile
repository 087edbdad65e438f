# syntax=docker/dockerfile:1
# Multi-stage build: compile with the Swift toolchain image, run on a slim image with libpq5.

FROM swift:6.3-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends pkg-config libpq-dev libssl-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product neonhub --static-swift-stdlib \
 && cp "$(swift build -c release --show-bin-path)/neonhub" /neonhub

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 libssl3 zlib1g ca-certificates libcurl4 libxml2 tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /app --shell /usr/sbin/nologin neonhub
WORKDIR /app
COPY --from=build /neonhub /usr/local/bin/neonhub
COPY Migrations ./Migrations
COPY configs ./configs
USER neonhub
ENV PORT=4100 HOST=0.0.0.0 LOG_FORMAT=json
EXPOSE 4100
HEALTHCHECK --interval=15s --timeout=2s --start-period=20s CMD ["/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT} && printf 'GET /health HTTP/1.1\\r\\nHost: l\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
# DATABASE_URL must be set in containers (the embedded cluster is for local development).
ENTRYPOINT ["/usr/local/bin/neonhub"]
CMD ["serve"]
