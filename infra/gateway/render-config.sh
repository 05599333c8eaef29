#!/usr/bin/env bash
# Writes a county gateway's Orthanc configuration into one folder (install.sh uses /etc/orthanc; the integration
# test a temporary folder): orthanc.json (the whole configuration, one file), consult-gateway.lua (the forwarder),
# curl-local.conf (the local REST account that tick.sh, status.sh and priors.sh use; kept across re-runs).
#
#   render-config.sh OUT_DIR
# Settings (environment):
#   PLATFORM_URL        the platform, e.g. https://consult.example.org            (required)
#   CLIENT_ID           the gateway's service client id (platform: Administration → service clients,
#   CLIENT_SECRET       permission studies:upload, hospital = this county hospital) (required)
#   GATEWAY_AET         this gateway's AE title                                   (default COUNTY_GW)
#   MODALITIES          modalities allowed to C-ECHO/C-STORE, comma-separated AET@host[:port]   (required)
#   PACS                the hospital's PACS for priors (C-FIND/C-MOVE), AET@host:port            (optional)
#   DICOM_PORT (4242)  HTTP_PORT (8042)  STORAGE_DIR (/var/lib/orthanc/db)  STABLE_AGE seconds (60)
#   RETRY_BASE_SECONDS (5)  RETRY_MAX_SECONDS (300)  HTTP_TIMEOUT seconds for one request to the platform (60)
# Anything malformed is refused with a message naming it; nothing is written then.
set -euo pipefail

die() { echo "render-config: $*" >&2; exit 2; }
[ $# -eq 1 ] || die "usage: render-config.sh OUT_DIR"
out=$1
here=$(cd "$(dirname "$0")" && pwd)
command -v jq >/dev/null || die "jq is needed (apt-get install jq)"

AET_RE='^[A-Za-z0-9_.-]{1,16}$'
HOST_RE='^[A-Za-z0-9_.:-]{1,253}$'
num() { [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] || die "$1 must be a whole number from $3 to $4 (got '$2')"; }

for v in PLATFORM_URL CLIENT_ID CLIENT_SECRET MODALITIES; do
  [ -n "${!v:-}" ] || die "$v is required (install.sh --$(echo "$v" | tr 'A-Z_' 'a-z-')=...)"
done
[[ $PLATFORM_URL =~ ^https?://[A-Za-z0-9.:_/-]+$ ]] || die "PLATFORM_URL must be http(s)://host[:port][/path] (got '$PLATFORM_URL')"
[[ $CLIENT_ID =~ ^[0-9a-fA-F-]{36}$ ]] || die "CLIENT_ID must be the service client's id (a UUID)"
GATEWAY_AET=${GATEWAY_AET:-COUNTY_GW}
[[ $GATEWAY_AET =~ $AET_RE ]] || die "GATEWAY_AET must be 1-16 of A-Z a-z 0-9 _ . - (got '$GATEWAY_AET')"
DICOM_PORT=${DICOM_PORT:-4242}; num DICOM_PORT "$DICOM_PORT" 1 65535
HTTP_PORT=${HTTP_PORT:-8042}; num HTTP_PORT "$HTTP_PORT" 1 65535
STABLE_AGE=${STABLE_AGE:-60}; num STABLE_AGE "$STABLE_AGE" 1 86400
RETRY_BASE_SECONDS=${RETRY_BASE_SECONDS:-5}; num RETRY_BASE_SECONDS "$RETRY_BASE_SECONDS" 1 3600
RETRY_MAX_SECONDS=${RETRY_MAX_SECONDS:-300}; num RETRY_MAX_SECONDS "$RETRY_MAX_SECONDS" "$RETRY_BASE_SECONDS" 86400
HTTP_TIMEOUT=${HTTP_TIMEOUT:-60}; num HTTP_TIMEOUT "$HTTP_TIMEOUT" 1 3600
STORAGE_DIR=${STORAGE_DIR:-/var/lib/orthanc/db}
[[ $STORAGE_DIR == /* ]] || die "STORAGE_DIR must be an absolute path (got '$STORAGE_DIR')"

# AET@host[:port] → a DicomModalities entry (JSON); $2 = what the peer may do.
modality() {
  local spec=$1 aet host port
  [[ $spec =~ ^([^@]+)@([^@]+)$ ]] || die "'$spec' is not AET@host[:port]"
  aet=${BASH_REMATCH[1]}; host=${BASH_REMATCH[2]}; port=104
  if [[ $host =~ ^(.*):([0-9]+)$ ]]; then host=${BASH_REMATCH[1]}; port=${BASH_REMATCH[2]}; fi
  [[ $aet =~ $AET_RE ]] || die "AE title '$aet' in '$spec' must be 1-16 of A-Z a-z 0-9 _ . -"
  [[ $host =~ $HOST_RE ]] || die "host '$host' in '$spec' is not a host name or address"
  num "port of $spec" "$port" 1 65535
  jq -n --arg aet "$aet" --arg host "$host" --argjson port "$port" --argjson allow "$2" \
    '{AET: $aet, Host: $host, Port: $port} + $allow'
}
STORE_ONLY='{"AllowEcho": true, "AllowStore": true, "AllowFind": false, "AllowMove": false, "AllowGet": false}'
modalities='{}'
IFS=',' read -r -a specs <<<"$MODALITIES"
for spec in "${specs[@]}"; do
  spec=$(echo "$spec" | xargs)
  [ -n "$spec" ] || continue
  entry=$(modality "$spec" "$STORE_ONLY")
  name=$(jq -r '.AET | ascii_downcase' <<<"$entry")
  modalities=$(jq --arg n "$name" --argjson e "$entry" '.[$n] = $e' <<<"$modalities")
done
[ "$(jq length <<<"$modalities")" -gt 0 ] || die "MODALITIES lists no modality"
if [ -n "${PACS:-}" ]; then
  # The PACS answers C-FIND/C-MOVE and sends what was moved back by C-STORE: it may store here too.
  modalities=$(jq --argjson e "$(modality "$PACS" "$STORE_ONLY")" '.pacs = $e' <<<"$modalities")
fi

mkdir -p "$out"
if [ -f "$out/curl-local.conf" ]; then
  password=$(sed -n 's/^user = "gateway:\(.*\)"$/\1/p' "$out/curl-local.conf")
fi
password=${password:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)}

jq -n \
  --arg aet "$GATEWAY_AET" --argjson dicomPort "$DICOM_PORT" --argjson httpPort "$HTTP_PORT" \
  --arg storage "$STORAGE_DIR" --argjson stableAge "$STABLE_AGE" --argjson httpTimeout "$HTTP_TIMEOUT" \
  --arg lua "$(cd "$out" && pwd)/consult-gateway.lua" --argjson modalities "$modalities" \
  --arg password "$password" --arg platform "${PLATFORM_URL%/}" --arg clientId "$CLIENT_ID" \
  --arg clientSecret "$CLIENT_SECRET" --argjson base "$RETRY_BASE_SECONDS" --argjson max "$RETRY_MAX_SECONDS" '
{
  Name: ("Consult county gateway " + $aet),
  StorageDirectory: $storage, IndexDirectory: $storage, StorageCompression: false, MaximumStorageSize: 0,
  Plugins: ["/usr/share/orthanc/plugins/libOrthancDicomWeb.so"],
  LuaScripts: [$lua],
  StableAge: $stableAge,
  UserMetadata: { PlatformForward: 1024 },

  DicomServerEnabled: true, DicomAet: $aet, DicomPort: $dicomPort,
  DicomCheckCalledAet: true, DicomCheckModalityHost: true,
  DicomAlwaysAllowEcho: false, DicomAlwaysAllowStore: false,
  DicomAlwaysAllowFind: false, DicomAlwaysAllowMove: false,
  DicomModalities: $modalities, DicomModalitiesInDatabase: false,

  HttpServerEnabled: true, HttpPort: $httpPort,
  RemoteAccessAllowed: false, AuthenticationEnabled: true, RegisteredUsers: { gateway: $password },
  ExecuteLuaEnabled: true,
  HttpTimeout: $httpTimeout, HttpsVerifyPeers: true,
  HttpsCACertificates: "/etc/ssl/certs/ca-certificates.crt",

  DicomWeb: {
    Enable: true, Root: "/dicom-web/", EnableWado: false,
    Servers: { platform: { Url: ($platform + "/dicomweb/") } }
  },
  ConsultGateway: {
    PlatformUrl: $platform, ClientId: $clientId, ClientSecret: $clientSecret,
    RetryBaseSeconds: $base, RetryMaxSeconds: $max
  }
}' >"$out/orthanc.json.new"
cp "$here/consult-gateway.lua" "$out/consult-gateway.lua"
printf 'user = "gateway:%s"\n' "$password" >"$out/curl-local.conf.new"
chmod 600 "$out/curl-local.conf.new"
chmod 640 "$out/orthanc.json.new"
mv "$out/curl-local.conf.new" "$out/curl-local.conf"
mv "$out/orthanc.json.new" "$out/orthanc.json"
echo "render-config: wrote $out/orthanc.json ($(jq length <<<"$modalities") DICOM peer(s), AE title $GATEWAY_AET)"
