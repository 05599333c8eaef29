#!/usr/bin/env bash
# Builds the mediasoup C++ worker from source without network access beyond the npm registry,
# against Debian 12 system libraries, and caches it outside the repo keyed by version.
# Prints the absolute binary path as the LAST line on stdout (progress goes to stderr):
#   MEDIASOUP_WORKER_BIN=$(bash infra/mediasoup-worker.sh | tail -1)
# Recipe and rationale: shared notes "mediasoup-offline-build.md" (shims + libsrtp2 patches, verified).
# Idempotent: a cached, loadable binary is reported immediately. ~7 min to build on 2 cores.
set -euo pipefail

# The version server/package.json pins (the worker must match the npm package's FlatBuffers protocol).
# Any 3.19.x builds with the shims and patches below: 3.19.3 ... 3.19.22 share SrtpSession.cpp, DepLibSRTP.cpp and the
# DTLS BIO callback, and every edit is checked to have landed. From 3.21.0 on the worker needs martinus/unordered_dense
# (a header-only library its meson wrap fetches from GitHub), which neither Debian 12 (nor bookworm-backports) nor the
# npm registry provides, so 3.19.22 is the newest release this offline recipe can build.
PINNED=$(sed -nE 's/^ *"mediasoup": *"([0-9.]+)".*/\1/p' "$(dirname "$0")/../server/package.json")
VERSION=${MEDIASOUP_VERSION:-$PINNED}
case "$VERSION" in
  3.19.*) ;;
  *)
    echo "[mediasoup-worker] only mediasoup 3.19.x builds offline here (patches are for its tree), got $VERSION" >&2
    exit 1
    ;;
esac

CACHE_ROOT=${MEDIASOUP_CACHE_DIR:-/var/cache/consult-platform}
DEST_DIR="$CACHE_ROOT/mediasoup-$VERSION"
BIN="$DEST_DIR/mediasoup-worker"

log() { echo "[mediasoup-worker] $*" >&2; }
# Usable = executable and every shared library resolves (the worker has no --version flag).
usable() { local out; [ -x "$BIN" ] && out=$(ldd "$BIN" 2>&1) && ! grep -q 'not found' <<<"$out"; }

# Toolchain + -dev libraries (idempotent, fast when already installed). Its stdout goes to stderr
# so that our last stdout line stays the binary path.
bash "$(dirname "$0")/system-deps.sh" >&2

if usable; then echo "$BIN"; exit 0; fi

mkdir -p "$DEST_DIR"
# Serialize concurrent callers; whoever waited re-checks the cache before building.
exec 9>"$DEST_DIR/.build.lock"
flock 9
if usable; then echo "$BIN"; exit 0; fi

WORK=$(mktemp -d -t mediasoup-build.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
START=$SECONDS
log "building mediasoup $VERSION worker in $WORK"

# 1. Source: the npm tarball contains the full worker tree (wraps, deps/libwebrtc, fbs schemas).
cd "$WORK"
npm pack --silent "mediasoup@$VERSION" >&2
tar xzf "mediasoup-$VERSION.tgz"
cd package/worker

# 2. Shim subprojects. With --wrap-mode=nodownload meson uses an existing subprojects/<directory>/meson.build
#    instead of fetching the wrap; each shim exposes exactly the variables the worker's meson.build reads via
#    get_variable(), backed by Debian's libraries. meson_options.txt files must exist or meson rejects the
#    options the worker passes to the subproject.
log "writing shim subprojects"
cd subprojects
# Directory names come from the version's own wrap files (`directory = ...`), so a patch release that bumps a
# wrap (e.g. usrsctp's commit or Catch2) needs no edit here.
wrapdir() { awk -F' *= *' '$1 == "directory" { print $2; exit }' "$1.wrap"; }
OPENSSL=$(wrapdir openssl) LIBUV=$(wrapdir libuv) SRTP=$(wrapdir libsrtp3) ABSL=$(wrapdir abseil-cpp)
SCTP=$(wrapdir usrsctp) CATCH2=$(wrapdir catch2) FLATBUF=$(wrapdir flatbuffers)
for d in "$OPENSSL" "$LIBUV" "$SRTP" "$ABSL" "$SCTP" "$CATCH2" "$FLATBUF"; do
  [ -n "$d" ] || { log "a wrap file lacks its directory name"; exit 1; }
done
mkdir -p "$OPENSSL" "$LIBUV" "$SRTP" "$SCTP" "$ABSL" "$CATCH2" "$FLATBUF"
cat > "$OPENSSL/meson.build" <<'EOF'
project('openssl', 'c')
openssl_dep = dependency('openssl')
libcrypto_lib = []
libssl_lib = []
EOF
cat > "$LIBUV/meson.build" <<'EOF'
project('libuv', 'c')
libuv_dep = dependency('libuv')
libuv = []
EOF
cat > "$LIBUV/meson_options.txt" <<'EOF'
option('build_tests', type : 'boolean', value : false)
option('build_benchmarks', type : 'boolean', value : false)
EOF
# mediasoup 3.19 targets libsrtp 3; Debian ships libsrtp 2.5 (API differences patched in step 3).
cat > "$SRTP/meson.build" <<'EOF'
project('libsrtp3', 'c')
libsrtp3_dep = declare_dependency(
  dependencies: dependency('libsrtp2'),
  compile_args: ['-I/usr/include/srtp2'],
)
libsrtp3 = []
EOF
cat > "$SRTP/meson_options.txt" <<'EOF'
option('crypto-library', type : 'string', value : 'openssl')
option('crypto-library-kdf', type : 'string', value : 'disabled')
option('tests', type : 'string', value : 'disabled')
EOF
cat > "$SCTP/meson.build" <<'EOF'
project('usrsctp', 'c')
usrsctp_dep = dependency('usrsctp')
usrsctp = []
EOF
cat > "$SCTP/meson_options.txt" <<'EOF'
option('sctp_build_programs', type : 'boolean', value : false)
EOF
cat > "$ABSL/meson.build" <<'EOF'
project('abseil-cpp', 'cpp')
absl_container_dep = declare_dependency(dependencies: [
  dependency('absl_flat_hash_map'),
  dependency('absl_flat_hash_set'),
  dependency('absl_btree'),
  dependency('absl_inlined_vector'),
])
absl_container_lib = []
absl_strings_dep = dependency('absl_strings')
absl_types_dep = dependency('absl_optional')
EOF
# Tests are not built; Debian only has Catch2 v2 anyway.
cat > "$CATCH2/meson.build" <<'EOF'
project('catch2', 'cpp')
catch2_dep = dependency('', required: false)
EOF
# System flatc regenerates the FBS headers, so they match the system flatbuffers headers (2.0.8).
cat > "$FLATBUF/meson.build" <<'EOF'
project('flatbuffers', 'cpp')
flatbuffers_dep = dependency('flatbuffers')
flatbuffers_lib = []
EOF
cd ..

# 3. Source patches (3.19.x).
log "patching sources for libsrtp2 and Debian OpenSSL"
# (a1) error codes that do not exist in libsrtp2
sed -i '/srtp_err_status_buffer_small\|srtp_err_status_cryptex_err/d' src/DepLibSRTP.cpp
# (a2) libsrtp3 srtp_stream_remove() is srtp_remove_stream() in libsrtp2
sed -i 's/srtp_stream_remove(/srtp_remove_stream(/' include/RTC/SrtpSession.hpp
# (b) DTLS BIO callback bug: the return phase is BIO_CB_RETURN|op, never == BIO_CB_RETURN.
#     Without this the worker segfaults in libssl as soon as a DTLS handshake starts.
sed -i 's/(operationType == BIO_CB_RETURN)/(operationType \& BIO_CB_RETURN)/' src/RTC/DtlsTransport.cpp
# sed does not fail on no match: check each edit landed.
patched() { grep -q "$1" "$2" || { log "patch did not apply to $2"; exit 1; }; }
grep -q 'srtp_err_status_buffer_small' src/DepLibSRTP.cpp && { log "patch (a1) did not apply"; exit 1; }
patched 'srtp_remove_stream(' include/RTC/SrtpSession.hpp
patched '(operationType & BIO_CB_RETURN)' src/RTC/DtlsTransport.cpp
# (a3) libsrtp2 (un)protect is in place with an int* length, no output buffer or MKI index.
cat > "$WORK/srtp2-SrtpSession.patch" <<'EOF'
--- a/worker/src/RTC/SrtpSession.cpp
+++ b/worker/src/RTC/SrtpSession.cpp
@@ -275,9 +275,7 @@
 
-		const srtp_err_status_t err = srtp_protect(
-		  /*srtp_t ctx*/ this->session,
-		  /*const uint8_t* rtp*/ *data,
-		  /*size_t rtp_len*/ *len,
-		  /*uint8_t* srtp*/ encryptBuffer,
-		  /*size_t* srtp_len*/ std::addressof(encryptLen),
-		  /*size_t mki_index*/ 0);
+		// libsrtp2 API: in-place protect with int length.
+		std::memcpy(encryptBuffer, *data, *len);
+		int srtpLen = static_cast<int>(*len);
+		const srtp_err_status_t err = srtp_protect(this->session, encryptBuffer, &srtpLen);
+		encryptLen = static_cast<size_t>(srtpLen);
 
@@ -303,8 +301,6 @@
 
-		const srtp_err_status_t err = srtp_unprotect(
-		  /*srtp_t ctx*/ this->session,
-		  /*const uint8_t* srtp*/ data,
-		  /*size_t srtp_len*/ *len,
-		  /*uint8_t* rtp*/ data,
-		  /*size_t* rtp_len*/ std::addressof(decryptLen));
+		// libsrtp2 API: in-place unprotect with int length.
+		int rtpLen = static_cast<int>(*len);
+		const srtp_err_status_t err = srtp_unprotect(this->session, data, &rtpLen);
+		decryptLen = static_cast<size_t>(rtpLen);
 
@@ -338,9 +334,7 @@
 
-		const srtp_err_status_t err = srtp_protect_rtcp(
-		  /*srtp_t ctx*/ this->session,
-		  /*const uint8_t* rtcp*/ *data,
-		  /*size_t rtcp_len*/ *len,
-		  /*uint8_t* srtcp*/ encryptBuffer,
-		  /*size_t* srtcp_len*/ std::addressof(encryptLen),
-		  /*size_t mki_index*/ 0);
+		// libsrtp2 API: in-place protect with int length.
+		std::memcpy(encryptBuffer, *data, *len);
+		int srtcpLen = static_cast<int>(*len);
+		const srtp_err_status_t err = srtp_protect_rtcp(this->session, encryptBuffer, &srtcpLen);
+		encryptLen = static_cast<size_t>(srtcpLen);
 
@@ -366,8 +360,6 @@
 
-		const srtp_err_status_t err = srtp_unprotect_rtcp(
-		  /*srtp_t ctx*/ this->session,
-		  /*const uint8_t* srtcp*/ data,
-		  /*size_t srtcp_len*/ *len,
-		  /*uint8_t* rtcp*/ data,
-		  /*size_t* rtcp_len*/ std::addressof(decryptLen));
+		// libsrtp2 API: in-place unprotect with int length.
+		int rtcpLen = static_cast<int>(*len);
+		const srtp_err_status_t err = srtp_unprotect_rtcp(this->session, data, &rtcpLen);
+		decryptLen = static_cast<size_t>(rtcpLen);
 
EOF
patch -l -p1 -d .. < "$WORK/srtp2-SrtpSession.patch" >&2

# 4. Configure and build. liburing is disabled (it would pull a subproject on kernels >= 6).
#    fbs/FBS first: no object depends on the flatc target, so the generated headers must exist beforehand.
log "meson setup"
meson setup build --buildtype=release --wrap-mode=nodownload -Dms_disable_liburing=true >&2
log "generating FlatBuffers headers"
ninja -C build fbs/FBS >&2
log "compiling mediasoup-worker (several minutes)"
ninja -C build mediasoup-worker >&2
strip build/mediasoup-worker

# 5. Install atomically: copy under a temp name in the cache dir, then rename over the final path.
install -m 0755 build/mediasoup-worker "$DEST_DIR/.mediasoup-worker.tmp.$$"
mv -f "$DEST_DIR/.mediasoup-worker.tmp.$$" "$BIN"
usable || { log "installed binary has unresolved libraries:"; ldd "$BIN" >&2; exit 1; }
log "built in $((SECONDS - START)) s -> $BIN"
echo "$BIN"
