# Runs one example program the way a user would, in a fresh data directory, and checks what it
# printed. Passes when the program exits 0 and every pattern matches its standard output.
#
#   cmake -DPROGRAM=<path> -DNAME=<name> [-DTIMEOUT=<s>] -P run_example.cmake -- <regex>...
#
# The program gets KAFKA_DO_DATA=<fresh dir>/data, runs in <fresh dir>, and sees no
# KAFKA_DO_URL or KAFKA_DO_API_KEY from the caller's environment (they would send it elsewhere).
# A CMake script rather than a shell script: it needs nothing but the cmake that built the tests.
cmake_minimum_required(VERSION 3.25)

if(NOT PROGRAM OR NOT NAME)
  message(FATAL_ERROR "usage: cmake -DPROGRAM=<path> -DNAME=<name> -P run_example.cmake -- <regex>...")
endif()
if(NOT TIMEOUT)
  set(TIMEOUT 30)
endif()

# The patterns: every argument after "--".
set(patterns "")
set(after_separator FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(after_separator)
    list(APPEND patterns "${CMAKE_ARGV${i}}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(after_separator TRUE)
  endif()
endforeach()

if(DEFINED ENV{TMPDIR} AND NOT "$ENV{TMPDIR}" STREQUAL "")
  set(base "$ENV{TMPDIR}")
else()
  set(base "/tmp")
endif()
string(RANDOM LENGTH 12 ALPHABET "0123456789abcdef" suffix)
set(dir "${base}/kafka-do-example-${NAME}-${suffix}")
file(MAKE_DIRECTORY "${dir}")

execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env --unset=KAFKA_DO_URL --unset=KAFKA_DO_API_KEY
          "KAFKA_DO_DATA=${dir}/data" "${PROGRAM}"
  WORKING_DIRECTORY "${dir}"
  OUTPUT_VARIABLE output
  ERROR_VARIABLE errors
  RESULT_VARIABLE result
  TIMEOUT ${TIMEOUT})
# An example that ignored KAFKA_DO_DATA would have written the default ./kafka-do-data here.
if(EXISTS "${dir}/kafka-do-data")
  set(wrote_default_dir TRUE)
endif()
file(REMOVE_RECURSE "${dir}")

message("---- ${NAME}: standard output\n${output}")
if(NOT errors STREQUAL "")
  message("---- ${NAME}: standard error\n${errors}")
endif()

set(failures "")
if(NOT result STREQUAL "0")
  string(APPEND failures "\n  exit status: ${result} (expected 0)")
endif()
if(wrote_default_dir)
  string(APPEND failures "\n  wrote ./kafka-do-data instead of KAFKA_DO_DATA")
endif()
foreach(pattern IN LISTS patterns)
  if(NOT output MATCHES "${pattern}")
    string(APPEND failures "\n  no output line matches: ${pattern}")
  endif()
endforeach()
if(failures)
  message(FATAL_ERROR "${NAME} failed:${failures}")
endif()
