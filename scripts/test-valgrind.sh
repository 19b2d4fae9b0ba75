#!/usr/bin/env bash
# Runs the server and session tests (ntlm_ssp_tests) and the server/session
# fuzz inputs (ntlm_net_tests) under Valgrind memcheck
# (the normal RelWithDebInfo build in ./build): any invalid read or write,
# use of uninitialised memory or definite leak fails (exit 1). Bounded by
# NTLM_VALGRIND_TIMEOUT seconds (default 600).
#   scripts/test-valgrind.sh [SSP_GTEST_FILTER [NET_GTEST_FILTER]]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null  # packages (valgrind) and the normal build
# The acceptor and everything it runs: the state machine, the NtlmMinServerSec
# matrix and every client deviation against it, session security in every
# profile and on recorded traffic, and the fuzz regression and seed inputs of
# the server and session targets.
ssp_filter=${1:-'ServerContextTest.*:ServerPolicyTest.*:*NegotiateResponseFlags*:*MinServerSec*:*Deviation*:*SessionSecurity*'}
net_filter=${2:-'*FuzzReplayTest.*/server:*FuzzReplayTest.*/session'}
start=$SECONDS
deadline=$((SECONDS + ${NTLM_VALGRIND_TIMEOUT:-600}))
memcheck() {  # BINARY FILTER, within what is left of the time budget
  local left=$((deadline - SECONDS))
  [ "$left" -gt 0 ] || { echo "valgrind: time budget spent before $1"; return 1; }
  timeout "$left" valgrind --tool=memcheck --error-exitcode=1 \
    --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
    --track-origins=yes --quiet --suppressions=tests/sanitizers/valgrind-gtest.supp \
    "build/tests/$1" --gtest_filter="$2" --gtest_brief=1
}
memcheck ntlm_ssp_tests "$ssp_filter"
memcheck ntlm_net_tests "$net_filter"
echo "valgrind: memcheck clean on '$ssp_filter' and '$net_filter' in $((SECONDS - start)) s"
