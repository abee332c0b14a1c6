# Fault injection (issue 6, part 1): apply, rollback, prove and run stopped at each step by a
# terminated backend or an immediate server stop, on the throwaway PostgreSQL (fixture
# `postgres`) and on a private cluster of the test's own. Included from
# tests/integration/CMakeLists.txt.

find_package(Threads REQUIRED)
add_executable(faults_test ${CMAKE_CURRENT_LIST_DIR}/faults_test.cpp)
target_link_libraries(faults_test PRIVATE iucore::iucore doctest::doctest Threads::Threads)
target_compile_definitions(faults_test PRIVATE
  IUCORE_EXAMPLES_DIR="${IUCORE_EXAMPLES_DIR}"
  IUCORE_PG_THROWAWAY_SCRIPT="${IUCORE_PG_THROWAWAY}")
if(TARGET iucore_cli)
  # One fault of each kind also runs through the CLI binary, which must exit 3.
  target_compile_definitions(faults_test PRIVATE IUCORE_CLI_PATH="$<TARGET_FILE:iucore_cli>")
  add_dependencies(faults_test iucore_cli)
endif()
iucore_warnings(faults_test)
iucore_add_pg_test(NAME faults COMMAND faults_test)
set_tests_properties(faults PROPERTIES TIMEOUT 180)
