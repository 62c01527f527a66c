# syntax=docker/dockerfile:1
# resendbot: one static binary in a distroless, non-root image.
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg REVISION=$(git rev-parse HEAD) -t resendbot .
#   docker run --stop-timeout 30 --env-file .env -p 8080:8080 resendbot
# --stop-timeout 30: on `docker stop` the bot finishes a Front Payment call
# in flight (FRONTPAYMENT_TIMEOUT, 15s) and posts its outcome within
# RESEND_SHUTDOWN_GRACE (25s); Docker's default 10s would kill it mid-call.
#
# Base images: pin each by digest as well as tag, so that a build uses the
# image that was reviewed. No digest is written here yet (none could be
# looked up where this file was last edited); add them, and refresh them
# with each Go patch release, from:
#   docker buildx imagetools inspect golang:1.26.11-bookworm
#   docker buildx imagetools inspect gcr.io/distroless/static-debian12:nonroot
# (the "Digest:" line), as FROM golang:1.26.11-bookworm@sha256:<digest>.

# Go 1.26.11, as go.mod's toolchain line: 1.26.8 to 1.26.10 have published
# vulnerabilities in the standard library (net/http, crypto/tls,
# crypto/x509) reachable from this binary.
FROM golang:1.26.11-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION} -X main.revision=${REVISION}" -o /out/resendbot .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/resendbot /resendbot
# Numeric, so Kubernetes runAsNonRoot can verify it (distroless "nonroot").
USER 65532:65532
# Health and metrics for the orchestrator: /healthz (alive: the Socket Mode
# event loop turns), /readyz (connected to Slack, the bot token accepted,
# Redis answering when used), /metrics. No HEALTHCHECK: Kubernetes probes
# /readyz and /healthz (see deploy/); compose runs `/resendbot healthcheck`.
ENV HTTP_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/resendbot"]
