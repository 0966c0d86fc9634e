#!/usr/bin/env bash
# Installs every build and test dependency of ddb from Debian 12 packages.
# Quiet and fast when everything is present; works as root without sudo.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build pkg-config git
  # libraries named in DESIGN.md
  libcli11-dev capnproto libcapnp-dev libleveldb-dev libsnappy-dev
  libzmq3-dev cppzmq-dev libspdlog-dev libfmt-dev
  libtomlplusplus-dev rapidjson-dev libxxhash-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev libzstd-dev
  # tests and benchmarks (the gateway's suite drives it with boto3 and the aws CLI)
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-pytest python3-boto3 awscli wrk
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-deps: missing packages (${missing[*]}) and not root; install them or run as root" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# An apt-get update is needed on a fresh machine before install can find anything.
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
