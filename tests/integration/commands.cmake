# Governed DOT commands (issue 4) against the throwaway PostgreSQL: the library (commands_test)
# and the CLI (cli_commands.sh). Included from tests/integration/CMakeLists.txt.

add_executable(commands_test ${CMAKE_CURRENT_LIST_DIR}/commands_test.cpp)
target_link_libraries(commands_test PRIVATE iucore::iucore doctest::doctest)
target_compile_definitions(commands_test PRIVATE IUCORE_EXAMPLES_DIR="${IUCORE_EXAMPLES_DIR}")
iucore_warnings(commands_test)
iucore_add_pg_test(NAME commands COMMAND commands_test)
set_tests_properties(commands PROPERTIES TIMEOUT 300)

if(TARGET iucore_cli)
  iucore_add_pg_test(NAME cli_commands
    COMMAND ${IUCORE_BASH_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/cli_commands.sh
            $<TARGET_FILE:iucore_cli> ${IUCORE_EXAMPLES_DIR})
  set_tests_properties(cli_commands PROPERTIES TIMEOUT 300)
endif()
