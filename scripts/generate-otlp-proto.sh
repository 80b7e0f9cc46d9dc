#!/usr/bin/env bash
# Regenerates Sources/OTLPProto from opentelemetry-proto: the Swift message types
# (swift-protobuf) and the gRPC service stubs (grpc-swift-protobuf, server side only), at
# `package` visibility so that only our modules see them.
#
#   scripts/generate-otlp-proto.sh PROTO_DIR
#
# PROTO_DIR is a checkout of https://github.com/open-telemetry/opentelemetry-proto at the
# tag named in Sources/OTLPProto/VERSION (the directory holding `opentelemetry/`).
#
# It needs protoc (`pip install grpcio-tools` gives `python3 -m grpc_tools.protoc`, used
# when `protoc` is not on PATH) and the two plugins, built from the same versions the
# package depends on:
#   git clone /opt/swift-packages/apple/swift-protobuf.git -b 1.39.0 && swift build -c release --product protoc-gen-swift
#   git clone /opt/swift-packages/grpc/grpc-swift-protobuf.git -b 2.4.1 && swift build -c release --product protoc-gen-grpc-swift-2
# and their paths in PROTOC_GEN_SWIFT and PROTOC_GEN_GRPC_SWIFT.
set -euo pipefail
cd "$(dirname "$0")/.."
protos=${1:?usage: scripts/generate-otlp-proto.sh PROTO_DIR}
: "${PROTOC_GEN_SWIFT:?path to protoc-gen-swift}"
: "${PROTOC_GEN_GRPC_SWIFT:?path to protoc-gen-grpc-swift-2}"
if command -v protoc >/dev/null; then protoc=(protoc); else protoc=(python3 -m grpc_tools.protoc); fi

out=Sources/OTLPProto/Generated
rm -rf "$out"
mkdir -p "$out"
messages=(
    opentelemetry/proto/common/v1/common.proto
    opentelemetry/proto/resource/v1/resource.proto
    opentelemetry/proto/trace/v1/trace.proto
    opentelemetry/proto/logs/v1/logs.proto
    opentelemetry/proto/collector/trace/v1/trace_service.proto
    opentelemetry/proto/collector/logs/v1/logs_service.proto
)
services=(
    opentelemetry/proto/collector/trace/v1/trace_service.proto
    opentelemetry/proto/collector/logs/v1/logs_service.proto
)
"${protoc[@]}" -I "$protos" --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" \
    --swift_opt=Visibility=Package --swift_opt=FileNaming=PathToUnderscores \
    --swift_out="$out" "${messages[@]}"
"${protoc[@]}" -I "$protos" --plugin=protoc-gen-grpc-swift="$PROTOC_GEN_GRPC_SWIFT" \
    --grpc-swift_opt=Visibility=Package,Client=false,Server=true,FileNaming=PathToUnderscores \
    --grpc-swift_out="$out" "${services[@]}"
echo "generated $(ls "$out" | wc -l) files in $out"
