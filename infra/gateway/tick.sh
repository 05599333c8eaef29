#!/usr/bin/env bash
# Drives the forwarder (consult-gateway.lua): Orthanc 1.10 has no timer for Lua scripts, so this calls
# GatewayTick() through Orthanc's local REST API every few seconds; each call sends what is waiting, or backs off.
#   tick.sh CONFIG_DIR [SECONDS]        (systemd: consult-gateway-tick.service; SECONDS default 5)
set -uo pipefail
dir=${1:?usage: tick.sh CONFIG_DIR [SECONDS]}
every=${2:-5}
port=$(jq -r .HttpPort "$dir/orthanc.json") || exit 2
while true; do
  # Orthanc may be restarting: a refused call is simply the next tick's.
  curl -s -o /dev/null -K "$dir/curl-local.conf" -X POST --data-binary 'GatewayTick()' \
    "http://127.0.0.1:$port/tools/execute-script" || true
  sleep "$every"
done
