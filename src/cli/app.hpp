#pragma once
// Entry point of the kafkado tool: parses the command line and runs one command.

namespace kafka_do::cli {

// Returns the process exit code: 0 on success, 1 when the command failed, 2 on a usage error.
int run(int argc, char** argv);

}  // namespace kafka_do::cli
