// main.cc of ntlmssp-net-bench: with --target, the load generator
// (load_generator.h); otherwise the Google Benchmark suite of net_bench.cc.
#include <benchmark/benchmark.h>

#include <iostream>
#include <string>
#include <vector>

#include "bench/net/load_generator.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (ntlm::bench::WantsLoadGenerator(args)) {
    return ntlm::bench::LoadGeneratorMain(args, std::cout, std::cerr);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
