# syntax=docker/dockerfile:1
# Build, with the version and commit that --version, egress_probe_build_info and the image's labels all report, for
# amd64 and arm64 nodes at once (the jar holds both BoringSSL and epoll native libraries; the build stage runs on the
# builder's own platform, only the runtime stage is per platform):
#   docker buildx build --platform linux/amd64,linux/arm64 \
#                --build-arg VERSION=$(mvn -q help:evaluate -Dexpression=project.version -DforceStdout) \
#                --build-arg REVISION=$(git rev-parse --short=12 HEAD) -t egress-probe:0.1.0 --push .
# (not buildable on the development machines: no Docker engine there). VERSION's default is the pom's version
# (DockerfileTest keeps them equal).
ARG VERSION=0.1.0-SNAPSHOT
ARG REVISION=unknown

FROM --platform=$BUILDPLATFORM maven:3.9-eclipse-temurin-17 AS build
ARG REVISION
WORKDIR /src
# Dependencies first, so that a source change does not download them again.
COPY pom.xml .
RUN mvn -B -ntp dependency:go-offline
COPY src ./src
# .git stays out of the build context: the commit comes in as REVISION.
RUN mvn -B -ntp -DskipTests -Dgit.commit.id.abbrev=${REVISION} clean package

# Runtime: a JRE and glibc (BoringSSL's native library needs it), no shell, no package manager, no build tools.
FROM gcr.io/distroless/java17-debian12:nonroot
ARG VERSION
ARG REVISION
LABEL org.opencontainers.image.title="egress-probe" \
      org.opencontainers.image.description="Measures how close TLS connect latency to critical egress hosts comes to the Envoy connect timeout" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=build /src/target/egress-probe.jar /app/egress-probe.jar
COPY jvm.options /app/jvm.options
# Numeric and not 1337: Istio's iptables rules let uid 1337 bypass the sidecar, and the probe must go through it.
USER 10001:10001
EXPOSE 9478
# The JVM flags are in jvm.options, beside their reasons and measured by bench/footprint.sh: a fixed small heap, a
# single-threaded GC and C1 only, exit on OOM so that Kubernetes restarts the pod. Two malloc arenas rather than
# eight per core: every thread would otherwise get its own. /tmp is an emptyDir: netty-tcnative unpacks BoringSSL
# there, the root filesystem being read-only.
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["java", "@/app/jvm.options", "-jar", "/app/egress-probe.jar"]
CMD ["run", "--config", "/etc/egress-probe/config.yaml"]
