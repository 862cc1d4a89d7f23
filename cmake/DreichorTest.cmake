# dreichor_test(NAME SOURCES a_test.cc ... LIBS lib ... [ENV VAR=value ...])
#
# Registers one GoogleTest executable with CTest. Every test in the tree goes through this
# helper so that all tests share one set of flags, one main and one discovery rule. ENV sets
# environment variables for every test case of the executable (e.g. a fixed RapidCheck seed).
function(dreichor_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS;ENV" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gmock GTest::gtest_main)
  include(GoogleTest)
  if(ARG_ENV)
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES ENVIRONMENT "${ARG_ENV}")
  else()
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60)
  endif()
endfunction()
