#!/usr/bin/env bash
# Runs the server and session tests of ntlm_tests under Valgrind memcheck
# (the normal RelWithDebInfo build in ./build): any invalid read or write,
# use of uninitialised memory or definite leak fails (exit 1). Bounded by
# NTLM_VALGRIND_TIMEOUT seconds (default 600).
#   scripts/test-valgrind.sh [GTEST_FILTER]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null  # packages (valgrind) and the normal build
# The acceptor and everything it runs: the state machine, the NtlmMinServerSec
# matrix and every client deviation against it, session security in every
# profile and on recorded traffic, and the fuzz regression and seed inputs of
# the server and session targets.
filter=${1:-'ServerContextTest.*:ServerPolicyTest.*:*NegotiateResponseFlags*:*MinServerSec*:*Deviation*:*SessionSecurity*:*FuzzReplayTest.*/server:*FuzzReplayTest.*/session'}
start=$SECONDS
timeout "${NTLM_VALGRIND_TIMEOUT:-600}" valgrind --tool=memcheck --error-exitcode=1 \
  --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
  --track-origins=yes --quiet --suppressions=tests/sanitizers/valgrind-gtest.supp \
  build/tests/ntlm_tests --gtest_filter="$filter" --gtest_brief=1
echo "valgrind: memcheck clean on '$filter' in $((SECONDS - start)) s"
