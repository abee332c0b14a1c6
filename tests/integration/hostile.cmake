# Hostile input (issue 6, part 3) on the throwaway PostgreSQL. Included from
# tests/integration/CMakeLists.txt.
#
#   hostile      the C++ API, and the C ABI when capi/ is built (hostile_test.cpp); prints
#                "hostile: N payloads, M paths, 0 injections, K stored verbatim, E clear errors"
#   hostile_cli  the CLI (hostile_cli.sh), the same figure line for its paths

add_executable(hostile_test ${CMAKE_CURRENT_LIST_DIR}/hostile_test.cpp)
target_link_libraries(hostile_test PRIVATE iucore::iucore doctest::doctest)
target_compile_definitions(hostile_test PRIVATE IUCORE_EXAMPLES_DIR="${IUCORE_EXAMPLES_DIR}")
if(TARGET iucore_c)
  target_link_libraries(hostile_test PRIVATE iucore::c)
  target_compile_definitions(hostile_test PRIVATE IUCORE_HOSTILE_CAPI=1)
endif()
iucore_warnings(hostile_test)
iucore_add_pg_test(NAME hostile COMMAND hostile_test)
set_tests_properties(hostile PROPERTIES TIMEOUT 600)

if(TARGET iucore_cli)
  iucore_add_pg_test(NAME hostile_cli
    COMMAND ${IUCORE_BASH_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/hostile_cli.sh
            $<TARGET_FILE:iucore_cli> ${IUCORE_EXAMPLES_DIR})
  set_tests_properties(hostile_cli PROPERTIES TIMEOUT 600)
endif()
