# Precompiled headers for the heavy third-party headers, measured to pay for themselves
# (docs/benchmarks.md, "Build"): GoogleTest, nlohmann/json and Boost.Beast's HTTP parse in about
# 5.5 s per translation unit, the precompiled form loads in about 1.5 s.
#
#   dreichor_test_pch            every test executable (dreichor_test() reuses it)
#   dreichor_service_pch         the libraries that serve HTTP: dreichor_use_service_pch(target)
#
# Each is built once per tree and reused by the targets (REUSE_FROM), which therefore share the
# project's one set of compile flags.
function(dreichor_pch_target name source)
  add_library(${name} STATIC ${source})
  target_link_libraries(${name} PRIVATE ${ARGN})
  set_target_properties(${name} PROPERTIES EXCLUDE_FROM_ALL OFF)
endfunction()

dreichor_pch_target(dreichor_service_pch cmake/pch/service_pch.cc
                    nlohmann_json::nlohmann_json Boost::headers)
target_precompile_headers(dreichor_service_pch PRIVATE
  <boost/beast/http.hpp> <nlohmann/json.hpp> <functional> <map> <memory> <optional> <string>
  <vector>)

function(dreichor_use_service_pch)
  foreach(target ${ARGN})
    target_precompile_headers(${target} REUSE_FROM dreichor_service_pch)
  endforeach()
endfunction()

if(DREICHOR_TESTS)
  dreichor_pch_target(dreichor_test_pch cmake/pch/test_pch.cc
                      GTest::gtest nlohmann_json::nlohmann_json Boost::headers)
  target_compile_options(dreichor_test_pch PRIVATE -O0)  # as every test (cmake/DreichorTest.cmake)
  target_precompile_headers(dreichor_test_pch PRIVATE
    <gtest/gtest.h> <boost/beast/http.hpp> <nlohmann/json.hpp> <filesystem> <fstream>
    <functional> <map> <memory> <optional> <string> <thread> <vector>)
endif()
