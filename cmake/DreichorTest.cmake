# dreichor_test(NAME SOURCES a_test.cc ... LIBS lib ... [ENV VAR=value ...]
#               [DEFINITIONS NAME="value" ...] [DEPENDS target ...] [COST n])
#
# Registers one GoogleTest executable with CTest. Every test in the tree goes through this
# helper so that all tests share one set of flags, one main and one discovery rule. ENV sets
# environment variables for every test case of the executable (e.g. a fixed RapidCheck seed);
# DEFINITIONS are compile definitions (paths of programs and source files the test uses) and
# DEPENDS the programs it runs, built before it. COST makes ctest start a long test early.
# With DREICHOR_TESTS off (image builds) it does nothing.
function(dreichor_test name)
  if(NOT DREICHOR_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "COST" "SOURCES;LIBS;ENV;DEFINITIONS;DEPENDS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gmock GTest::gtest_main)
  if(ARG_DEFINITIONS)
    target_compile_definitions(${name} PRIVATE ${ARG_DEFINITIONS})
  endif()
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  include(GoogleTest)
  set(properties "")
  if(ARG_ENV)
    string(REPLACE ";" "\\;" env "${ARG_ENV}")  # several VAR=value stay one property value
    list(APPEND properties ENVIRONMENT "${env}")
  endif()
  if(ARG_COST)
    list(APPEND properties COST ${ARG_COST})
  endif()
  if(properties)
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES ${properties})
  else()
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60)
  endif()
endfunction()
