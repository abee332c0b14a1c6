# Hostile input (issue 6, part 3) on the throwaway PostgreSQL. Included from
# tests/integration/CMakeLists.txt.
#
#   hostile      the C++ API, and the C ABI when capi/ is built (hostile_test.cpp); prints
#                "hostile: N payloads, M paths, 0 injections, K stored verbatim, E clear errors"
#   hostile_cli  the CLI (hostile_cli.sh), the same figure line for its paths

iucore_add_pg_doctest(hostile hostile_test 600)
if(TARGET iucore_c)
  target_link_libraries(hostile_test PRIVATE iucore::c)
  target_compile_definitions(hostile_test PRIVATE IUCORE_HOSTILE_CAPI=1)
endif()
iucore_add_cli_script_test(hostile_cli 600)
