# Fault injection (issue 6, part 1): apply, rollback, prove and run stopped at each step by a
# terminated backend or an immediate server stop, on the throwaway PostgreSQL (fixture
# `postgres`) and on a private cluster of the test's own. Included from
# tests/integration/CMakeLists.txt.

iucore_add_pg_doctest(faults faults_test 180)
target_compile_definitions(faults_test PRIVATE IUCORE_PG_THROWAWAY_SCRIPT="${IUCORE_PG_THROWAWAY}")
if(TARGET iucore_cli)
  # One fault of each kind also runs through the CLI binary, which must exit 3.
  target_compile_definitions(faults_test PRIVATE IUCORE_CLI_PATH="$<TARGET_FILE:iucore_cli>")
  add_dependencies(faults_test iucore_cli)
endif()
