# Benchmarks (issue 7): iucore_bench, built by default, and a smoke run of every operation in
# CTest (bench_smoke: not timed; it fails only when an operation errors). The full run, by hand:
#   cmake --preset ci && cmake --build --preset ci
#   cmake/pg_throwaway.sh run -- build/ci/tests/iucore_bench
# Included from tests/CMakeLists.txt; tests/bench/RESULTS.md holds the latest full table.
include(IucorePostgresFixture)

find_program(IUCORE_PSQL_EXECUTABLE psql
  HINTS ${IUCORE_TEST_PG_BINDIR}
  DOC "psql, the baseline of the apply benchmark (iucore_bench --psql overrides it)")
mark_as_advanced(IUCORE_PSQL_EXECUTABLE)

add_executable(iucore_bench ${CMAKE_CURRENT_LIST_DIR}/bench.cpp ${CMAKE_CURRENT_LIST_DIR}/bench_run.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bench_apply.cpp ${CMAKE_CURRENT_LIST_DIR}/bench_scale.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bench_capi.cpp)
target_link_libraries(iucore_bench PRIVATE iucore::iucore)
# test_database.hpp (fresh databases on the throwaway cluster) is shared with the integration tests.
target_include_directories(iucore_bench PRIVATE ${CMAKE_CURRENT_LIST_DIR}/..)
target_compile_definitions(iucore_bench PRIVATE
  IUCORE_EXAMPLES_DIR="${IUCORE_EXAMPLES_DIR}"
  IUCORE_BENCH_PSQL="${IUCORE_PSQL_EXECUTABLE}"
  IUCORE_BENCH_BUILD_TYPE="$<CONFIG>")
# The C ABI rows need libiucore.so.1; without it they are reported as not measured.
if(TARGET iucore_c)
  target_link_libraries(iucore_bench PRIVATE iucore::c)
  target_compile_definitions(iucore_bench PRIVATE IUCORE_BENCH_HAVE_CAPI=1
    IUCORE_BENCH_CAPI_LIBRARY="$<TARGET_SONAME_FILE:iucore_c>")
else()
  target_compile_definitions(iucore_bench PRIVATE IUCORE_BENCH_HAVE_CAPI=0)
endif()
iucore_warnings(iucore_bench)

iucore_add_pg_test(NAME bench_smoke COMMAND iucore_bench --smoke)
set_tests_properties(bench_smoke PROPERTIES TIMEOUT 600 LABELS "postgres;bench")
