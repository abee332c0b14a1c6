# Integration tests of the migration lifecycle on the throwaway PostgreSQL (fixture `postgres`).
# Included from tests/integration/CMakeLists.txt, after include(IucorePostgresFixture).
#
#   lifecycle     the C++ engine API (tests/integration/lifecycle_test.cpp), one fresh database
#                 per test case
#   psql_replay   the record replayed through psql -v ON_ERROR_STOP=on -f with files rendered by
#                 the CLI, then the CLI verbs against their exit codes (psql_replay.sh)

iucore_add_pg_doctest(lifecycle lifecycle_test 300)
# The CLI is an example program: without IUCORE_BUILD_EXAMPLES there is nothing to replay with.
iucore_add_cli_script_test(psql_replay 300)
