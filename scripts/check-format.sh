#!/usr/bin/env bash
# Fails when a tracked C++ file differs from clang-format's output (.clang-format).
set -u
cd "${1:-$(dirname "$0")/..}" || exit 2
command -v clang-format >/dev/null || { echo "check-format: clang-format not installed"; exit 1; }
mapfile -t files < <(git ls-files '*.cc' '*.h' 2>/dev/null)
[ ${#files[@]} -gt 0 ] || mapfile -t files < <(find crypto ssp harness tests bench -name '*.cc' -o -name '*.h')
if clang-format --dry-run -Werror "${files[@]}" >/dev/null 2>&1; then
  echo "check-format: ok (${#files[@]} files)"
  exit 0
fi
# Name the offenders.
for f in "${files[@]}"; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 ||
    echo "check-format: $f is not clang-formatted (run: clang-format -i $f)"
done
exit 1
