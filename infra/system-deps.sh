#!/usr/bin/env bash
# Installs what the platform needs from Debian and npm outside the workspace:
# Node 22 LTS, pnpm, Chromium (e2e tests), ffmpeg (round recording), poppler-utils + CJK fonts (report PDFs),
# dcmtk (the independent decoder the rendering tests compare against), dicom3tools (dciodvfy checks the SR export),
# jq + curl (the county gateway scripts, infra/gateway/), xfsprogs + e2fsprogs (the embedded database's power-cut test
# shuts an ext4 loop file system down with xfs_io),
# and the toolchain + libraries to build the mediasoup worker offline (see infra/mediasoup-worker.sh).
# Idempotent: a second run on a ready machine takes a couple of seconds.
set -euo pipefail

need_apt=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
PKGS=(chromium ffmpeg poppler-utils fonts-noto-cjk jq curl ninja-build pkg-config g++ patch libuv1-dev libssl-dev
  libsrtp2-dev libusrsctp-dev libabsl-dev flatbuffers-compiler libflatbuffers-dev orthanc orthanc-dicomweb
  coturn dcmtk dicom3tools xfsprogs e2fsprogs)
for p in "${PKGS[@]}"; do have "$p" || need_apt+=("$p"); done

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

if [ ${#need_apt[@]} -gt 0 ] || ! command -v meson >/dev/null || ! meson --version | grep -qE '^1\.([1-9]|[1-9][0-9])\.'; then
  # meson >= 1.1 (mediasoup's meson_version) comes from bookworm-backports; the source list is derived
  # from the machine's own debian.sources so no host name is hard-coded here.
  if [ -f /etc/apt/sources.list.d/debian.sources ] && [ ! -f /etc/apt/sources.list.d/bpo.sources ]; then
    URI=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$URI" \
      | $SUDO tee /etc/apt/sources.list.d/bpo.sources >/dev/null
  fi
  $SUDO apt-get update -qq
  [ ${#need_apt[@]} -gt 0 ] && $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  # coturn is here for its tools and the TURN tests, which start their own on loopback; a TURN host is set up
  # separately (infra/turn/README.md), so the package's default service stays off on this machine.
  if printf '%s\n' "${need_apt[@]}" | grep -qx coturn && command -v systemctl >/dev/null; then
    $SUDO systemctl disable --now coturn >/dev/null 2>&1 || true
  fi
  if ! command -v meson >/dev/null || ! meson --version | grep -qE '^1\.([1-9]|[1-9][0-9])\.'; then
    $SUDO apt-get install -y -qq -t bookworm-backports meson
  fi
fi

# Node 22 LTS (Node 20 reached end of life on 2026-04-30). When the system's Node is older, the npm registry's `node`
# package installs the official build into /usr/local (NODE_PREFIX), whose bin/ comes before /usr/bin in PATH, so
# `node`, `pnpm` (#!/usr/bin/env node) and every child process run on it, also in a fresh non-interactive shell.
NODE_VERSION=${NODE_VERSION:-22.23.3}
NODE_PREFIX=${NODE_PREFIX:-/usr/local}
node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  if [ "$(node_major "$NODE_PREFIX/bin/node")" -lt 22 ]; then
    $SUDO npm i -g --prefix "$NODE_PREFIX" --no-fund --no-audit --loglevel=error "node@$NODE_VERSION" >/dev/null
  fi
  export PATH="$NODE_PREFIX/bin:$PATH"
  hash -r
  if [ "$(node_major)" -lt 22 ]; then
    echo "Node 22 was installed in $NODE_PREFIX/bin but \`node\` still resolves to $(command -v node) ($(node --version)); put $NODE_PREFIX/bin first in PATH" >&2
    exit 1
  fi
fi

# npm derives its global prefix from the running node's path; with the npm registry's node that is a folder inside
# node_modules, off PATH. Install pnpm under NODE_PREFIX explicitly and check that a fresh lookup finds it.
if ! command -v pnpm >/dev/null || ! pnpm --version | grep -q '^10\.'; then
  $SUDO npm i -g --prefix "$NODE_PREFIX" --no-fund --no-audit --loglevel=error pnpm@10 >/dev/null
  hash -r
  if ! pnpm --version 2>/dev/null | grep -q '^10\.'; then
    echo "pnpm 10 was installed in $NODE_PREFIX/bin but \`pnpm\` resolves to '$(command -v pnpm)'; put $NODE_PREFIX/bin first in PATH" >&2
    exit 1
  fi
fi
echo "system deps ready: node $(node --version) at $(command -v node), $(pnpm --version) pnpm, $(chromium --version 2>/dev/null | head -1), meson $(meson --version)"
