# dreichor_test(NAME SOURCES a_test.cc ... LIBS lib ... LABEL unit|integration|system
#               [POSTGRES] [NO_CONTAINERS] [ENV VAR=value ...] [DEFINITIONS NAME="value" ...]
#               [DEPENDS target ...] [COST n] [FIXTURES fixture ...])
#
# Registers one GoogleTest executable with CTest. Every test in the tree goes through this
# helper so that all tests share one set of flags, one main, one discovery rule and one tier:
#
#   unit         in-process, fakes at the boundaries; seconds. `ctest -L unit`, the quick tier.
#   integration  real processes or a real PostgreSQL (started once per ctest run, see POSTGRES).
#   system       containers, the registry, the end-to-end run: the Release tree only (sanitizers
#                would change nothing they check), so they are not even built with sanitizers.
#                One at a time: their container networks share the host's bridges and firewall;
#                NO_CONTAINERS marks one that starts no container (e.g. real Prometheus on
#                loopback), which runs beside the others.
#
# POSTGRES makes every case require the ctest fixture that starts one PostgreSQL server for the
# whole run (testing/CMakeLists.txt); the case finds its URL through DREICHOR_TEST_POSTGRES_URL_FILE.
# ENV sets environment variables for every case (e.g. a fixed RapidCheck seed); DEFINITIONS are
# compile definitions (paths of programs and source files the test uses) and DEPENDS the
# programs it runs, built before it. COST makes ctest start a long test early. FIXTURES are ctest
# fixtures every case requires (e.g. the Debian packages, made by packaging/CMakeLists.txt).
# With DREICHOR_TESTS off (image builds) it does nothing.
function(dreichor_test name)
  if(NOT DREICHOR_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "POSTGRES;NO_CONTAINERS" "COST;LABEL" "SOURCES;LIBS;ENV;DEFINITIONS;DEPENDS;FIXTURES" ${ARGN})
  if(NOT ARG_LABEL MATCHES "^(unit|integration|system)$")
    message(FATAL_ERROR "dreichor_test(${name}): LABEL must be unit, integration or system")
  endif()
  if(ARG_LABEL STREQUAL "system" AND DREICHOR_SANITIZE)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} dreichor_testing GTest::gmock GTest::gtest_main)
  # Tests are compiled without optimisation (it halves their build; the code they test keeps the
  # tree's flags), which the precompiled header must share.
  target_compile_options(${name} PRIVATE -O0)
  target_precompile_headers(${name} REUSE_FROM dreichor_test_pch)
  if(ARG_DEFINITIONS)
    target_compile_definitions(${name} PRIVATE ${ARG_DEFINITIONS})
  endif()
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  include(GoogleTest)
  set(env ${ARG_ENV})
  set(properties LABELS ${ARG_LABEL})
  if(ARG_POSTGRES)
    list(APPEND env "DREICHOR_TEST_POSTGRES_URL_FILE=${DREICHOR_TEST_POSTGRES_DIR}/url")
    list(APPEND properties FIXTURES_REQUIRED postgres)
  endif()
  if(env)
    string(REPLACE ";" "\\;" env "${env}")  # several VAR=value stay one property value
    list(APPEND properties ENVIRONMENT "${env}")
  endif()
  if(ARG_COST)
    list(APPEND properties COST ${ARG_COST})
  endif()
  if(ARG_FIXTURES)
    string(REPLACE ";" "\\;" fixtures "${ARG_FIXTURES}")
    list(APPEND properties FIXTURES_REQUIRED "${fixtures}")
  endif()
  if(ARG_LABEL STREQUAL "system" AND NOT ARG_NO_CONTAINERS)
    list(APPEND properties RESOURCE_LOCK container_networks)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES ${properties})
endfunction()
