# IucorePostgresFixture -- run tests against a throwaway PostgreSQL cluster.
#
#   include(IucorePostgresFixture)
#   iucore_add_pg_test(NAME pg_smoke COMMAND pg_smoke_test [args...] [WORKING_DIRECTORY dir])
#
# The first iucore_add_pg_test() call defines the CTest fixture `postgres`:
#   postgres.start  (FIXTURES_SETUP postgres)    pg_throwaway.sh start <state dir>
#                                                (a stale cluster left there is stopped first)
#   postgres.stop   (FIXTURES_CLEANUP postgres)  pg_throwaway.sh stop <state dir>
# CTest runs postgres.stop after the last test requiring the fixture, even when tests fail, and
# running any single pg test (ctest -R name) pulls in start/stop automatically.
#
# Each pg test gets in its environment:
#   IUCORE_PG_STATE       the state dir (socket dir; env, conninfo, server.log inside)
#   IUCORE_PG_THROWAWAY   path of pg_throwaway.sh (e.g. "$IUCORE_PG_THROWAWAY" createdb
#                         "$IUCORE_PG_STATE" name  -> creates a database, prints its conninfo)
#   PGHOST PGPORT PGUSER=postgres PGDATABASE=iucore_test
#   IUCORE_TEST_CONNINFO  "host=<state dir> port=<port> user=postgres dbname=iucore_test"
# and the label `postgres`. Add more environment with
#   set_property(TEST name APPEND PROPERTY ENVIRONMENT "X=y")
#
# Cache variables:
#   IUCORE_TEST_PG_PORT       port (names the Unix socket only; no TCP), default 54329
#   IUCORE_TEST_PG_STATE_DIR  state dir, default ${CMAKE_BINARY_DIR}/pgstate. Its socket path
#                             must fit in 107 bytes: set a shorter one for very deep build dirs.
#   IUCORE_TEST_PG_BINDIR     PostgreSQL server bin dir (default: highest /usr/lib/postgresql/*/bin)
include_guard(GLOBAL)

set(IUCORE_TEST_PG_PORT 54329 CACHE STRING
  "Port of the throwaway PostgreSQL cluster used by the tests (Unix socket only)")
set(IUCORE_TEST_PG_STATE_DIR "" CACHE PATH
  "State dir of the throwaway PostgreSQL cluster (empty: \${CMAKE_BINARY_DIR}/pgstate)")
set(IUCORE_TEST_PG_BINDIR "" CACHE PATH
  "PostgreSQL server bin dir for the test cluster (empty: highest /usr/lib/postgresql/*/bin)")

set(IUCORE_PG_THROWAWAY "${CMAKE_CURRENT_LIST_DIR}/pg_throwaway.sh" CACHE INTERNAL
  "pg_throwaway.sh")
find_program(IUCORE_BASH_EXECUTABLE bash REQUIRED)
mark_as_advanced(IUCORE_BASH_EXECUTABLE)

# Defines postgres.start / postgres.stop once (in the directory of the first pg test).
function(_iucore_pg_fixture_define)
  get_property(_done GLOBAL PROPERTY _IUCORE_PG_FIXTURE_DEFINED)
  if(_done)
    return()
  endif()
  set_property(GLOBAL PROPERTY _IUCORE_PG_FIXTURE_DEFINED TRUE)

  if(IUCORE_TEST_PG_STATE_DIR)
    set(_state "${IUCORE_TEST_PG_STATE_DIR}")
  else()
    set(_state "${CMAKE_BINARY_DIR}/pgstate")
  endif()
  set(_port "${IUCORE_TEST_PG_PORT}")
  if(NOT _port MATCHES "^[0-9]+$")
    message(FATAL_ERROR "IUCORE_TEST_PG_PORT must be a port number, got '${_port}'")
  endif()

  set(_sock "${_state}/.s.PGSQL.${_port}")
  string(LENGTH "${_sock}" _len)
  if(_len GREATER 107)
    message(WARNING "Unix socket path of the test PostgreSQL cluster '${_sock}' is ${_len} bytes, "
      "over the limit of 107: postgres.start will fail. Set IUCORE_TEST_PG_STATE_DIR to a "
      "shorter directory (e.g. /tmp/iucore-pgstate).")
  endif()

  # libpq conninfo value quoting (only needed for unusual paths).
  set(_host "${_state}")
  if(_host MATCHES "[ \t'\\\\]")
    string(REPLACE "\\" "\\\\" _host "${_host}")
    string(REPLACE "'" "\\'" _host "${_host}")
    set(_host "'${_host}'")
  endif()

  set(_env_script "PGTHROWAWAY_PORT=${_port}")
  if(IUCORE_TEST_PG_BINDIR)
    list(APPEND _env_script "PG_BINDIR=${IUCORE_TEST_PG_BINDIR}")
  endif()

  # `start` itself replaces a stale cluster it finds in the state dir (e.g. after a killed ctest).
  add_test(NAME postgres.start
    COMMAND "${IUCORE_BASH_EXECUTABLE}" "${IUCORE_PG_THROWAWAY}" start "${_state}")
  set_tests_properties(postgres.start PROPERTIES
    FIXTURES_SETUP postgres
    ENVIRONMENT "${_env_script}"
    LABELS postgres
    TIMEOUT 90)
  add_test(NAME postgres.stop
    COMMAND "${IUCORE_BASH_EXECUTABLE}" "${IUCORE_PG_THROWAWAY}" stop "${_state}")
  set_tests_properties(postgres.stop PROPERTIES
    FIXTURES_CLEANUP postgres
    ENVIRONMENT "${_env_script}"
    LABELS postgres
    TIMEOUT 90)

  set_property(GLOBAL PROPERTY _IUCORE_PG_TEST_ENV
    "IUCORE_PG_STATE=${_state}"
    "IUCORE_PG_THROWAWAY=${IUCORE_PG_THROWAWAY}"
    "PGHOST=${_state}"
    "PGPORT=${_port}"
    "PGUSER=postgres"
    "PGDATABASE=iucore_test"
    "IUCORE_TEST_CONNINFO=host=${_host} port=${_port} user=postgres dbname=iucore_test"
    ${_env_script})
endfunction()

# iucore_add_pg_test(NAME name COMMAND cmd [args...] [WORKING_DIRECTORY dir])
function(iucore_add_pg_test)
  cmake_parse_arguments(PARSE_ARGV 0 ARG "" "NAME;WORKING_DIRECTORY" "COMMAND")
  if(NOT ARG_NAME)
    message(FATAL_ERROR "iucore_add_pg_test: NAME is required")
  endif()
  if(NOT ARG_COMMAND)
    message(FATAL_ERROR "iucore_add_pg_test(${ARG_NAME}): COMMAND is required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
      "iucore_add_pg_test(${ARG_NAME}): unexpected arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()

  _iucore_pg_fixture_define()

  set(_wd)
  if(ARG_WORKING_DIRECTORY)
    set(_wd WORKING_DIRECTORY "${ARG_WORKING_DIRECTORY}")
  endif()
  add_test(NAME "${ARG_NAME}" COMMAND ${ARG_COMMAND} ${_wd})

  get_property(_env GLOBAL PROPERTY _IUCORE_PG_TEST_ENV)
  set_property(TEST "${ARG_NAME}" PROPERTY FIXTURES_REQUIRED postgres)
  set_property(TEST "${ARG_NAME}" APPEND PROPERTY ENVIRONMENT ${_env})
  set_property(TEST "${ARG_NAME}" APPEND PROPERTY LABELS postgres)
endfunction()
