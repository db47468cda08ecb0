# Compile flags every kafka-do target shares: warnings are errors, sanitizers when asked.
add_library(kafka_do_flags INTERFACE)
target_compile_options(kafka_do_flags INTERFACE -Wall -Wextra -Werror -Wno-missing-field-initializers)
if(KAFKA_DO_SANITIZE)
  target_compile_options(kafka_do_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                  -fno-sanitize-recover=undefined)
  target_link_options(kafka_do_flags INTERFACE -fsanitize=address,undefined)
endif()
# KAFKA_DO_FUZZ: coverage instrumentation for libFuzzer plus ASan+UBSan on every library, so the
# fuzz targets (tests/fuzz) see the code they drive. Without Clang they fall back to replay runners.
if(KAFKA_DO_FUZZ)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(kafka_do_flags INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                                    -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(kafka_do_flags INTERFACE -fsanitize=address,undefined)
  else()
    message(WARNING "KAFKA_DO_FUZZ needs Clang; building the fuzz replay runners instead")
  endif()
endif()

# kafka_do_library(<layer> DEPS ...): one static library per src/<layer> folder, built from every
# .cpp in it (subfolders included), aliased kafka_do::<layer>.
function(kafka_do_library layer)
  cmake_parse_arguments(ARG "" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*.cpp")
  add_library(kafka_do_${layer} STATIC ${sources})
  add_library(kafka_do::${layer} ALIAS kafka_do_${layer})
  target_include_directories(kafka_do_${layer}
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(kafka_do_${layer} PUBLIC ${ARG_DEPS} PRIVATE kafka_do_flags ${ARG_PRIVATE_DEPS})
endfunction()

# kafka_do_test(<name> SOURCES ... DEPS ...): one GoogleTest executable registered with CTest.
function(kafka_do_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} kafka_do_flags GTest::gtest GTest::gtest_main)
  # GoogleTest's header costs seconds per file and every test file includes it: parse it once per
  # suite (CI builds the suites twice, plain and sanitized, within its time budget).
  target_precompile_headers(${name} PRIVATE <gtest/gtest.h>)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
endfunction()
