# syntax=docker/dockerfile:1.7
# One build, one small non-root image per service and one for the operator:
#   docker build --target <service> -t rustshop/<service>:<version> .
# Targets: gateway auth users products cart orders stock shipping notification operator.
# scripts/build-images.sh builds them all (and loads them into kind).

ARG RUST_VERSION=1.95
ARG DEBIAN=bookworm

# --- dependency cache: cargo-chef compiles the dependency tree once per lockfile ------
FROM rust:${RUST_VERSION}-${DEBIAN} AS chef
RUN cargo install cargo-chef --locked --version 0.1.71
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
# The build's rustflags (--cfg tokio_unstable): dependencies cooked without them would
# all be compiled again by the build below.
COPY .cargo .cargo
RUN cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --bins \
    && mkdir -p /out \
    && for bin in gateway auth users products cart orders stock shipping notification; do \
         cp "target/release/shop-$bin" /out/; \
       done \
    && cp target/release/shop-operator /out/

# --- helm for the operator (it installs the infra charts with it) ---------------------
FROM alpine/helm:3.17.3 AS helm

# --- runtime: distroless, glibc and CA certificates, uid 65532, no shell -------------
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
USER 65532:65532
ENV LISTEN_HOST=0.0.0.0 LOG_FORMAT=json

FROM runtime AS gateway
COPY --from=builder /out/shop-gateway /usr/local/bin/shop-gateway
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/shop-gateway"]

FROM runtime AS auth
COPY --from=builder /out/shop-auth /usr/local/bin/shop-auth
EXPOSE 50051 9101
ENTRYPOINT ["/usr/local/bin/shop-auth"]

FROM runtime AS users
COPY --from=builder /out/shop-users /usr/local/bin/shop-users
EXPOSE 50052 9102
ENTRYPOINT ["/usr/local/bin/shop-users"]

FROM runtime AS products
COPY --from=builder /out/shop-products /usr/local/bin/shop-products
EXPOSE 50053 9103
ENTRYPOINT ["/usr/local/bin/shop-products"]

FROM runtime AS cart
COPY --from=builder /out/shop-cart /usr/local/bin/shop-cart
EXPOSE 50054 9104
ENTRYPOINT ["/usr/local/bin/shop-cart"]

FROM runtime AS orders
COPY --from=builder /out/shop-orders /usr/local/bin/shop-orders
EXPOSE 50055 9105
ENTRYPOINT ["/usr/local/bin/shop-orders"]

FROM runtime AS stock
COPY --from=builder /out/shop-stock /usr/local/bin/shop-stock
EXPOSE 50056 9106
ENTRYPOINT ["/usr/local/bin/shop-stock"]

FROM runtime AS shipping
COPY --from=builder /out/shop-shipping /usr/local/bin/shop-shipping
EXPOSE 50057 9107
ENTRYPOINT ["/usr/local/bin/shop-shipping"]

FROM runtime AS notification
COPY --from=builder /out/shop-notification /usr/local/bin/shop-notification
EXPOSE 50058 9108
ENTRYPOINT ["/usr/local/bin/shop-notification"]

FROM runtime AS operator
COPY --from=helm /usr/bin/helm /usr/local/bin/helm
COPY charts/postgresql /charts/postgresql
COPY charts/mongodb /charts/mongodb
COPY charts/redis /charts/redis
COPY charts/kafka /charts/kafka
COPY --from=builder /out/shop-operator /usr/local/bin/shop-operator
ENV HELM_BIN=/usr/local/bin/helm CHARTS_DIR=/charts HELM_CACHE_HOME=/tmp/helm/cache HELM_CONFIG_HOME=/tmp/helm/config HELM_DATA_HOME=/tmp/helm/data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/shop-operator"]
