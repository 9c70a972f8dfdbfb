# sgmock in a container: a multi-stage build into a small, non-root runtime image.
#   docker build -t sgmock .
#   docker run --rm -p 8080:8080 sgmock
#   docker run --rm -p 8080:8080 -v sgmock-data:/data sgmock --state-file /data/state.json
# Base images are pinned (an exact tag, a digest); refreshing them is a release step (RELEASING.md).
# ./scripts/check-image proves this file builds and runs, with a Docker daemon or without one.
FROM rust:1.95.0-bookworm AS build
WORKDIR /src
# The whole context as .dockerignore filters it, so the build cannot miss a file the manifest names.
COPY . .
RUN cargo build --release --locked --bin sgmock && mkdir -p data

# distroless/cc: glibc and libgcc only, no shell; "nonroot" is uid 65532.
FROM gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f
COPY --from=build /src/target/release/sgmock /usr/local/bin/sgmock
# A writable home for --state-file (a named volume mounted here inherits the ownership).
COPY --from=build --chown=65532:65532 /src/data /data
ENV SGMOCK_LISTEN=0.0.0.0:8080
# TLS and plain HTTP both on 8080; the CA certificate clients trust is written here at each start
# (kept the same across restarts when --state-file is on the /data volume too).
ENV SGMOCK_TLS_CA_OUT=/data/sgmock-ca.pem
EXPOSE 8080
USER nonroot
# The binary probes its own /_sgmock/health (no curl in the image).
HEALTHCHECK --interval=5s --timeout=3s --start-period=1s --retries=3 CMD ["/usr/local/bin/sgmock", "--health-check"]
ENTRYPOINT ["/usr/local/bin/sgmock"]
