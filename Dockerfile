# syntax=docker/dockerfile:1
# resendbot: one static binary in a distroless, non-root image.
#   docker build --build-arg VERSION=$(git describe --tags --always) -t resendbot .
#   docker run --env-file .env -p 8080:8080 resendbot

# Go 1.26.10: 1.26.8 has published vulnerabilities in net/http, crypto/tls
# and crypto/x509 reachable from this binary (fixed in 1.26.9 and 1.26.10).
FROM golang:1.26.10-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION}" -o /out/resendbot .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/resendbot /resendbot
# Numeric, so Kubernetes runAsNonRoot can verify it (distroless "nonroot").
USER 65532:65532
# Health and metrics for the orchestrator: /healthz (alive), /readyz
# (connected to Slack; Redis answering when used), /metrics. No HEALTHCHECK:
# Kubernetes probes /readyz and /healthz (see deploy/); compose runs
# `/resendbot healthcheck`.
ENV HTTP_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/resendbot"]
