# The CLI as people type it (issue 13): every verb with options before, after and between its
# words, --opt=value, --json, unknown options and extra positionals; interrupts and lock
# timeouts. On the throwaway PostgreSQL (fixture `postgres`). Label: cli.
iucore_add_cli_script_test(cli_table 600)
iucore_add_cli_script_test(cli_interrupts 120)
# Issue 15: apply checks the catalog it starts from; target functions resolve by identity.
iucore_add_cli_script_test(apply_start_state 300)
if(TARGET iucore_cli)
  set_property(TEST cli_table cli_interrupts apply_start_state APPEND PROPERTY LABELS cli)
endif()
# Issue 15 (points 2, 7, 8): a mapped catalog and run log with extra and missing columns, who a
# run is logged as, and UTF8 whatever PGCLIENTENCODING or the conninfo say.
iucore_add_cli_script_test(cli_adopted 300)
# Issue 15 (points 1, 10): examples/adopted/desk.sql adopted end to end with init; init on the
# first example's database reads back what its definition says.
iucore_add_cli_script_test(adopt_desk 300)
# Issue 15 (point 5): the checksum's scope, render --with-ledger, applied (unrecorded),
# baseline and repair.
iucore_add_cli_script_test(ledger_adopt 300)
# Issue 16 (point 3): apply without an id or with --to, rollback --to: a walk along the chain.
iucore_add_cli_script_test(apply_chain 300)
if(TARGET iucore_cli)
  set_property(TEST cli_adopted adopt_desk ledger_adopt apply_chain APPEND PROPERTY LABELS cli)
endif()
