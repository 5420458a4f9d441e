# floe as a container image for Kubernetes CronJobs and CI: one static binary (built by
# scripts/build-static for x86_64-unknown-linux-musl) on distroless's static base, which adds
# only CA certificates (S3 over HTTPS), time zone data, /tmp and a non-root user.
#
#   docker build -t floe .
#   docker run --rm -v "$PWD/warehouse:/data/warehouse" -w /data floe describe demo.events
#
# The config file comes from a mount (a ConfigMap) named by FLOE_CONFIG, e.g. /etc/floe/floe.yaml.
# `--build-arg PROFILE=dev` builds faster and unoptimised (for testing the image itself).

FROM rust:1.95-bookworm AS build
ARG PROFILE=release
# musl-gcc compiles the C code underneath (mimalloc, ring, SQLite, zstd) for the musl target.
RUN apt-get update \
    && apt-get install -y --no-install-recommends musl-tools=1.2.3-1 \
    && rm -rf /var/lib/apt/lists/* \
    && rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
# The registry and target caches survive between builds (BuildKit), so a rebuild after a
# source change recompiles floe only.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    scripts/build-static --profile "$PROFILE" --out /out

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/floe-x86_64-unknown-linux-musl /usr/local/bin/floe
# distroless's `nonroot`, by number so that Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
WORKDIR /home/nonroot
HEALTHCHECK --interval=5m --timeout=10s --retries=1 CMD ["/usr/local/bin/floe", "--version"]
ENTRYPOINT ["/usr/local/bin/floe"]
CMD ["--help"]
