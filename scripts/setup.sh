#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs (only those missing),
# then configures and builds into ./build. Safe to run repeatedly.
#   scripts/setup.sh            everything: build, test and peer packages, every target
#   scripts/setup.sh cli        only what building and running ntlmssp-harness needs,
#                               and only that target (scripts/run.sh: the fast first result)
#   NTLM_WERROR=ON scripts/setup.sh   warnings are errors (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}

# What building and running the command line needs (scripts/run.sh).
CLI_PACKAGES=(g++ cmake ninja-build libssl-dev libasio-dev libcli11-dev nlohmann-json3-dev)
BUILD_PACKAGES=("${CLI_PACKAGES[@]}" pkg-config clang-format git
  libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev valgrind help2man
  dpkg-dev file strace)
# Real NTLM peers the tests run against (see README "Interop peers").
PEER_PACKAGES=(samba samba-testsuite apache2-bin libapache2-mod-auth-gssapi gss-ntlmssp gss-ntlmssp-dev libkrb5-dev python3
  python3-impacket python3-ntlm-auth python3-samba winbind samba-common-bin smbclient python3-gssapi
  python3-requests-ntlm curl tshark
  python3-jsonschema libxml2-utils chromium)

wanted=("${BUILD_PACKAGES[@]}" "${PEER_PACKAGES[@]}")
if [ "$mode" = cli ]; then wanted=("${CLI_PACKAGES[@]}"); fi
missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update
  recommends=()
  if [ "$mode" = cli ]; then recommends=(--no-install-recommends); fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${recommends[@]}" "${missing[@]}"
fi

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
if [ "$mode" = cli ]; then
  # A fresh tree without the tests and benchmarks (their packages are not
  # installed) and without debug information (a first build in half the time);
  # an existing tree keeps its options. Only the program is built.
  if [ ! -f build/CMakeCache.txt ]; then
    cmake -S . -B build "${generator[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DNTLM_WERROR="${NTLM_WERROR:-OFF}" -DNTLM_BUILD_TESTS=OFF -DNTLM_BUILD_BENCH=OFF \
      -DNTLM_DEBUG_INFO=OFF
  fi
  cmake --build build -j"$(nproc)" --target ntlmssp-harness
  exit 0
fi
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${generator[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNTLM_WERROR="${NTLM_WERROR:-OFF}"
else
  cmake -S . -B build -DNTLM_WERROR="${NTLM_WERROR:-OFF}" -DNTLM_BUILD_TESTS=ON \
    -DNTLM_BUILD_BENCH=ON >/dev/null
fi
cmake --build build -j"$(nproc)"
