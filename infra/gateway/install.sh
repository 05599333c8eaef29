#!/usr/bin/env bash
# Sets up a county hospital's edge gateway on a Debian 12 machine in one step (as root; idempotent, re-run it to
# change a setting). See infra/gateway/README.md.
#
#   infra/gateway/install.sh --platform-url=https://consult.example.org --client-id=<uuid> --client-secret=<secret> \
#     --aet=LANKAO_GW --modalities='CT1@192.0.2.21,MR1@192.0.2.22:104' [--pacs='PACS@192.0.2.30:104']
#
# Every --name=value may be given as the environment variable NAME instead (e.g. CLIENT_SECRET, so that the secret
# is not in the shell history). Optional: --dicom-port (4242), --stable-age (60 s), --retry-max-seconds (300),
# --http-timeout (60 s), --tick-seconds (5). What it does:
#   1. apt packages: orthanc, orthanc-dicomweb (STOW-RS client), jq, curl, dcmtk (echoscu for checks);
#   2. Debian's example files in /etc/orthanc move to /etc/orthanc/debian-defaults/ (once), and render-config.sh
#      writes the gateway's single /etc/orthanc/orthanc.json + consult-gateway.lua (readable by root and orthanc only);
#   3. the tools go to /usr/local/sbin: consult-gateway-status, consult-gateway-priors, consult-gateway-tick;
#   4. systemd: orthanc (restarted) and consult-gateway-tick (drives the forwarder), both enabled at boot.
# DESTDIR=/some/dir writes every file under that folder instead and starts nothing (a dry run; the tests use it).
set -euo pipefail

for arg in "$@"; do
  case $arg in
    --*=*)
      key=${arg%%=*}; key=${key#--}; key=$(echo "$key" | tr 'a-z-' 'A-Z_')
      case $key in AET) key=GATEWAY_AET ;; RETRY_MAX_SECONDS | RETRY_BASE_SECONDS | HTTP_TIMEOUT | STABLE_AGE | DICOM_PORT | TICK_SECONDS | PLATFORM_URL | CLIENT_ID | CLIENT_SECRET | MODALITIES | PACS) ;;
        *) echo "install.sh: unknown option $arg" >&2; exit 2 ;;
      esac
      export "$key=${arg#*=}" ;;
    -h | --help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "install.sh: options are --name=value (got '$arg'); --help lists them" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
DESTDIR=${DESTDIR:-}
CONF=$DESTDIR/etc/orthanc
SBIN=$DESTDIR/usr/local/sbin
UNITS=$DESTDIR/etc/systemd/system
TICK_SECONDS=${TICK_SECONDS:-5}
[[ $TICK_SECONDS =~ ^[0-9]+$ ]] && [ "$TICK_SECONDS" -ge 1 ] || { echo "install.sh: --tick-seconds must be a whole number ≥ 1" >&2; exit 2; }

need=()
for p in orthanc orthanc-dicomweb jq curl dcmtk; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# Orthanc reads every *.json of /etc/orthanc and refuses a setting defined twice: the gateway's file is the only one.
# Rendered (and so checked) in a staging folder first: a malformed setting changes nothing.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
[ -f "$CONF/curl-local.conf" ] && cp "$CONF/curl-local.conf" "$stage/"
bash "$here/render-config.sh" "$stage" >/dev/null
mkdir -p "$CONF/debian-defaults" "$SBIN" "$UNITS"
for f in "$CONF"/*.json; do
  [ -e "$f" ] || continue
  if [ "$(basename "$f")" != orthanc.json ] || ! grep -q '"ConsultGateway"' "$f"; then
    mv "$f" "$CONF/debian-defaults/"
  fi
done
bash "$here/render-config.sh" "$CONF"
chown root:orthanc "$CONF/orthanc.json" "$CONF/consult-gateway.lua"
chmod 640 "$CONF/orthanc.json"
storage=$DESTDIR$(jq -r .StorageDirectory "$CONF/orthanc.json")
mkdir -p "$storage" && chown orthanc:orthanc "$storage"

install -m 755 "$here/status.sh" "$SBIN/consult-gateway-status"
install -m 755 "$here/priors.sh" "$SBIN/consult-gateway-priors"
install -m 755 "$here/tick.sh" "$SBIN/consult-gateway-tick"
cat >"$UNITS/consult-gateway-tick.service" <<EOF
[Unit]
Description=Consult county gateway: drives the store-and-forward queue of Orthanc's consult-gateway.lua
After=orthanc.service
Wants=orthanc.service

[Service]
ExecStart=/usr/local/sbin/consult-gateway-tick /etc/orthanc $TICK_SECONDS
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
EOF

if [ -n "$DESTDIR" ]; then
  echo "install.sh: files written under $DESTDIR; nothing started"
elif [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable orthanc consult-gateway-tick >/dev/null 2>&1
  systemctl restart orthanc consult-gateway-tick
  port=$(jq -r .HttpPort "$CONF/orthanc.json")
  for _ in $(seq 1 60); do
    curl -sf -K "$CONF/curl-local.conf" "http://127.0.0.1:$port/system" >/dev/null && break
    sleep 1
  done
  curl -sf -K "$CONF/curl-local.conf" "http://127.0.0.1:$port/system" >/dev/null \
    || { echo "install.sh: Orthanc did not answer in 60 s; see journalctl -u orthanc" >&2; exit 1; }
  echo "gateway ready: $(jq -r '.DicomAet + " on DICOM port " + (.DicomPort|tostring)' "$CONF/orthanc.json"); queue: consult-gateway-status"
else
  echo "install.sh: no systemd here; start by hand: Orthanc $CONF & consult-gateway-tick $CONF $TICK_SECONDS &" >&2
fi
