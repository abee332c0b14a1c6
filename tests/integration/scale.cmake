# Beyond one database (issue 18): fleets over many databases of the throwaway PostgreSQL, and a
# primary with a hot standby. Label: scale.
iucore_add_cli_script_test(fleet 300)
iucore_add_cli_script_test(standby 300)
iucore_add_cli_script_test(failover 300)
if(TARGET iucore_cli)
  set_property(TEST fleet standby failover APPEND PROPERTY LABELS scale)
endif()
