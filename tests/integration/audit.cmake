# The survivors of the mutation audit (issue 19), each killed by a named test. Included from
# tests/integration/CMakeLists.txt.
#
#   audit            apply's verification failing in its transaction, diff on reversible and
#                    mutating alone, prove with 034 pending and a referencing run, pins --check
#                    over several sites and versions (audit_test.cpp)
#   apply_processes  8 `iucore apply 034` processes at once: one applies, seven find it applied
#   pins_check       `iucore pins --check` over the example definition's real pin sites

iucore_add_pg_doctest(audit audit_test 300)
iucore_add_cli_script_test(apply_processes 300)
if(TARGET iucore_cli)
  add_test(NAME pins_check COMMAND iucore_cli --definition
                                   ${IUCORE_EXAMPLES_DIR}/definition/iu_core.json pins --check)
endif()
