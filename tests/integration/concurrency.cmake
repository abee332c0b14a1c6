# Concurrency (issue 6, part 2): 16 concurrent appliers, and rollback/prove racing 1,000 governed
# runs, on the throwaway PostgreSQL (fixture `postgres`). Labels: postgres, concurrency.
# Included from tests/integration/CMakeLists.txt.

find_package(Threads REQUIRED)
add_executable(concurrency_test ${CMAKE_CURRENT_LIST_DIR}/concurrency_test.cpp)
target_link_libraries(concurrency_test PRIVATE iucore::iucore doctest::doctest Threads::Threads)
target_compile_definitions(concurrency_test PRIVATE IUCORE_EXAMPLES_DIR="${IUCORE_EXAMPLES_DIR}")
iucore_warnings(concurrency_test)
iucore_add_pg_test(NAME concurrency COMMAND concurrency_test)
set_tests_properties(concurrency PROPERTIES TIMEOUT 180)
set_property(TEST concurrency APPEND PROPERTY LABELS concurrency)
