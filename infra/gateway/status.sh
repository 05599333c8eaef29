#!/usr/bin/env bash
# What the gateway still has to send to the platform: the queued studies (Orthanc ids) and the current backoff.
#   status.sh [CONFIG_DIR]              (default /etc/orthanc)
set -euo pipefail
dir=${1:-/etc/orthanc}
port=$(jq -r .HttpPort "$dir/orthanc.json")
curl -sf -K "$dir/curl-local.conf" -X POST --data-binary 'GatewayStatus()' "http://127.0.0.1:$port/tools/execute-script"
