// ntlmssp-harness: the command-line entry point.
#include "harness/cli/cli.h"

int main(int argc, char** argv) { return ntlm::harness::RunCli(argc, argv); }
