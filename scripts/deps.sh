#!/usr/bin/env bash
# Installs everything Parley needs to build, run and test on Debian:
# system packages, Go modules and model files. Safe to run again: it only
# installs what is missing, and it is fast when nothing is.
set -euo pipefail

cd "$(dirname "$0")/.."

# Debian packages the build, the product and its tests use.
#   libopus-dev libopusfile-dev pkg-config  Opus codec (cgo)
#   flite flite1-dev                         speech synthesis; test speech
#   espeak-ng libespeak-ng-dev               speech synthesis (other languages); test speech
#   libpocketsphinx-dev pocketsphinx-en-us   speech recognition (cgo) and its US English model
#   sox                                      audio checks in tests
#   nodejs npm                               fetches model files from the npm registry
#   sip-tester baresip                       real SIP peers for the end-to-end tests
#   chromium                                 a real browser for the WebRTC end-to-end test
PACKAGES=(
  build-essential pkg-config
  libopus-dev libopusfile-dev
  flite flite1-dev
  espeak-ng libespeak-ng-dev
  libpocketsphinx-dev pocketsphinx-en-us
  sox
  sip-tester baresip
  chromium
  ca-certificates
)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "deps: Debian packages present"
fi

# Go toolchain check.
if ! command -v go >/dev/null 2>&1; then
  echo "deps: Go is not on PATH; install Go 1.26 (https://go.dev/doc/install) and run make deps again" >&2
  exit 1
fi
go mod download

# Model files, taken from the npm registry (no download happens at run time).
MODELS=models
mkdir -p "$MODELS"
fetch_npm_file() { # package@version path-in-package destination sha256
  local pkg="$1" inner="$2" dest="$3" sum="$4"
  if [ -f "$dest" ] && echo "$sum  $dest" | sha256sum -c --status; then
    return 0
  fi
  echo "deps: fetching $inner from npm package $pkg"
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
  tar -xzf "$tmp"/*.tgz -C "$tmp" "package/$inner"
  cp "$tmp/package/$inner" "$dest.tmp"
  if ! echo "$sum  $dest.tmp" | sha256sum -c --status; then
    echo "deps: checksum mismatch for $inner from $pkg" >&2
    rm -f "$dest.tmp"
    exit 1
  fi
  mv "$dest.tmp" "$dest"
}
fetch_npm_file "@ricky0123/vad-web@0.0.29" dist/silero_vad_v5.onnx "$MODELS/silero_vad_v5.onnx" \
  2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f
echo "deps: models present in $MODELS/"
