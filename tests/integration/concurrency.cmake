# Concurrency (issue 6, part 2): 16 concurrent appliers, and rollback/prove racing 1,000 governed
# runs, on the throwaway PostgreSQL (fixture `postgres`). Labels: postgres, concurrency.
# Included from tests/integration/CMakeLists.txt.

iucore_add_pg_doctest(concurrency concurrency_test 180)
set_property(TEST concurrency APPEND PROPERTY LABELS concurrency)
