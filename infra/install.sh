#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs, in one idempotent step (a ready machine takes a few seconds):
#   1. Node 22 LTS, Debian packages + pnpm          (infra/system-deps.sh)
#   2. the mediasoup worker, built offline once and cached by version outside the repo
#                                                  (infra/mediasoup-worker.sh; ~7 min the first time)
#   3. the workspace's npm dependencies             (pnpm install, lockfile frozen)
#   4. the client and server builds                 (infra/build.mjs; skipped when up to date)
set -euo pipefail
cd "$(dirname "$0")/.."

bash infra/system-deps.sh
# Node 22 may just have been installed there (system-deps.sh); this shell must use it too.
export PATH="${NODE_PREFIX:-/usr/local}/bin:$PATH"
hash -r
worker=$(bash infra/mediasoup-worker.sh | tail -1)
echo "mediasoup worker: $worker"
pnpm install --frozen-lockfile --reporter=append-only | tail -3
# The artefacts `pnpm start` serves: the client (Vite) and the server bundle (esbuild), rebuilt when stale.
node infra/build.mjs
