# sgmock in a container: a multi-stage build into a small, non-root runtime image.
#   docker build -t sgmock .
#   docker run --rm -p 8080:8080 sgmock
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release --locked --bin sgmock \
 && mkdir -p /data

# distroless/cc: glibc and libgcc only, no shell; "nonroot" is uid 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/sgmock /usr/local/bin/sgmock
# A writable home for --state-file (a named volume mounted here inherits the ownership).
COPY --from=build --chown=65532:65532 /data /data
ENV SGMOCK_LISTEN=0.0.0.0:8080
EXPOSE 8080
USER nonroot
# The binary probes its own /_sgmock/health (no curl in the image).
HEALTHCHECK --interval=5s --timeout=3s --start-period=1s --retries=3 CMD ["/usr/local/bin/sgmock", "--health-check"]
ENTRYPOINT ["/usr/local/bin/sgmock"]
