// kafkado: command-line access to a kafka-do data directory. Everything lives in app.cpp so the
// commands can be linked into other programs.
#include "cli/app.hpp"

int main(int argc, char** argv) { return kafka_do::cli::run(argc, argv); }
