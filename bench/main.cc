// main.cc: the ntlmssp-bench binary's entry point (Google Benchmark's own).
// Every bench/*.cc registers its benchmarks; names are stable (other tools
// read the JSON output).
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
