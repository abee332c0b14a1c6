# Governed DOT commands (issue 4) against the throwaway PostgreSQL: the library (commands_test)
# and the CLI (cli_commands.sh). Included from tests/integration/CMakeLists.txt.

iucore_add_pg_doctest(commands commands_test 300)
iucore_add_cli_script_test(cli_commands 300)
