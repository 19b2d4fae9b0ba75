#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs (only those missing),
# then configures and builds into ./build. Safe to run repeatedly.
#   scripts/setup.sh            build everything
#   NTLM_WERROR=ON scripts/setup.sh   warnings are errors (CI)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_PACKAGES=(g++ cmake ninja-build pkg-config clang-format git libssl-dev libasio-dev libcli11-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev valgrind)
# Real NTLM peers the tests run against (see README "Interop peers").
PEER_PACKAGES=(samba samba-testsuite apache2-bin libapache2-mod-auth-gssapi gss-ntlmssp gss-ntlmssp-dev libkrb5-dev python3
  python3-impacket python3-ntlm-auth python3-samba winbind samba-common-bin smbclient python3-gssapi
  python3-requests-ntlm curl tshark
  python3-jsonschema libxml2-utils chromium)

missing=()
for p in "${BUILD_PACKAGES[@]}" "${PEER_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
fi

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNTLM_WERROR="${NTLM_WERROR:-OFF}"
else
  cmake -S . -B build -DNTLM_WERROR="${NTLM_WERROR:-OFF}" >/dev/null
fi
cmake --build build -j"$(nproc)"
