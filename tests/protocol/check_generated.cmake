# Usage: cmake -DSOURCE_DIR=<repo> -P check_generated.cmake
# Runs tools/protocol_gen/protocol_gen.py --check (generate into a temporary directory, diff against
# src/protocol/gen and tests/protocol/gen). Without python3 the check is reported as skipped.
find_program(PYTHON3 NAMES python3)
if(NOT PYTHON3)
  message("SKIPPED: python3 not found, cannot check the generated protocol code")
  return()
endif()
execute_process(
  COMMAND ${PYTHON3} ${SOURCE_DIR}/tools/protocol_gen/protocol_gen.py --check
  RESULT_VARIABLE result TIMEOUT 100)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "generated protocol code is out of date (exit ${result})")
endif()
