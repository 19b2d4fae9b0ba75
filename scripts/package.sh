#!/usr/bin/env bash
# Makes the Debian package with CPack: ntlmssp-harness_VERSION_amd64.deb (the
# three programs, man pages, bash completion, docs, the SSP headers and CMake
# package), its Depends computed by dpkg-shlibdeps (libssl3, ...).
#   scripts/package.sh                       build everything (scripts/setup.sh), package into ./package
#   scripts/package.sh --no-build BUILD OUT  package an existing build (the package-deb ctest)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --no-build ]; then
  build=$2 out=$3
else
  scripts/setup.sh
  build=build out=package
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
cpack --config "$build/CPackConfig.cmake" -B "$out" -G DEB
rm -rf "$out/_CPack_Packages"
ls "$out"/*.deb
