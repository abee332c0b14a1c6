# Integration tests of the migration lifecycle on the throwaway PostgreSQL (fixture `postgres`).
# Included from tests/integration/CMakeLists.txt, after include(IucorePostgresFixture).
#
#   lifecycle     the C++ engine API (tests/integration/lifecycle_test.cpp), one fresh database
#                 per test case
#   psql_replay   the record replayed through psql -v ON_ERROR_STOP=on -f with files rendered by
#                 the CLI, then the CLI verbs against their exit codes (psql_replay.sh)

find_package(Threads REQUIRED)
add_executable(lifecycle_test ${CMAKE_CURRENT_LIST_DIR}/lifecycle_test.cpp)
target_link_libraries(lifecycle_test PRIVATE iucore::iucore doctest::doctest Threads::Threads)
target_compile_definitions(lifecycle_test PRIVATE IUCORE_EXAMPLES_DIR="${IUCORE_EXAMPLES_DIR}")
iucore_warnings(lifecycle_test)
iucore_add_pg_test(NAME lifecycle COMMAND lifecycle_test)
set_tests_properties(lifecycle PROPERTIES TIMEOUT 300)

# The CLI is an example program: without IUCORE_BUILD_EXAMPLES there is nothing to replay with.
if(TARGET iucore_cli)
  iucore_add_pg_test(NAME psql_replay
    COMMAND ${IUCORE_BASH_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/psql_replay.sh
            $<TARGET_FILE:iucore_cli> ${IUCORE_EXAMPLES_DIR})
  set_tests_properties(psql_replay PROPERTIES TIMEOUT 300)
endif()
