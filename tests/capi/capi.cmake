# Tests of the C ABI, its hosts and the installed package. Included from tests/CMakeLists.txt.
#
#   capi.header.c99 / .cxx  capi/iucore.h compiles alone as C99 and as C++ (pedantic, -Werror)
#   capi.symbols            libiucore.so.1 exports exactly the header's iucore_* functions and
#                           needs only libpq beyond the C and C++ runtimes (no Boost)
#   capi.abi                abidiff --no-added-syms against capi/abi/libiucore.so.1.abi; enum
#                           iucore_status against capi/abi/iucore_status.txt; the schemas' format
#   capi.offline            the C ABI without a server (doctest)
#   capi.live               the C ABI against the throwaway PostgreSQL
#   capi.live.threads       8 threads, each with its own session, on one database: 034 applied
#                           by exactly one, every governed run logged (also run under TSan)
#   capi.python             examples/python/tests under unittest, over ctypes
#   capi.schemas            every report, made for real in each outcome, against its schema in
#                           capi/schemas (report_schemas.py; --regenerate writes them)
#   capi.python.valgrind    tests/capi/python_host.py under valgrind: nothing of libiucore's in
#                           valgrind's errors or definite leaks (run_python_valgrind.sh)
#   example.c[.valgrind]    examples/c against a fresh database (and under valgrind)
#   example.cpp             examples/cpp against a fresh database
#   package.consumer        cmake --install, then tests/consumer built by find_package and by
#                           pkg-config against the installed tree
include(IucorePostgresFixture)

set(_capi_dir ${PROJECT_SOURCE_DIR}/capi)
set(_capi_tests ${CMAKE_CURRENT_LIST_DIR})
find_package(Python3 COMPONENTS Interpreter)
find_program(IUCORE_VALGRIND valgrind)

# Under ASan (the asan preset) libiucore is instrumented but the Python interpreter is not: the
# sanitizer runtime must come first in the process, so the test preloads the runtime of the
# compiler that built the library (-print-file-name; GCC keeps UBSan's in a library of its own,
# clang's shared ASan runtime carries UBSan). Without it ASan aborts at the first dlopen.
# LeakSanitizer is off for that test only: CPython leaks at exit by design (python3 -c 'pass'
# alone reports about 13 KB), and the shells and psql the tests start inherit the preload (bash
# leaks too). iucore's own leaks are what capi.offline, capi.live and example.c check under
# LeakSanitizer, and capi.python.valgrind checks from Python.
function(_iucore_capi_python_under_asan test)
  if(NOT CMAKE_CXX_FLAGS MATCHES "-fsanitize=[^ ]*address")
    return()
  endif()
  set(_names)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    list(APPEND _names libasan.so)
    if(CMAKE_CXX_FLAGS MATCHES "-fsanitize=[^ ]*undefined")
      list(APPEND _names libubsan.so)
    endif()
  elseif(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    list(APPEND _names libclang_rt.asan-${CMAKE_SYSTEM_PROCESSOR}.so)
  endif()
  set(_preload)
  foreach(_name IN LISTS _names)
    execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=${_name}
      OUTPUT_VARIABLE _path OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT IS_ABSOLUTE "${_path}" OR NOT EXISTS "${_path}")
      message(WARNING "${test}: ${CMAKE_CXX_COMPILER} does not know where ${_name} is; the "
        "Python interpreter cannot load the instrumented libiucore, so ${test} is disabled")
      set_tests_properties(${test} PROPERTIES DISABLED TRUE)
      return()
    endif()
    list(APPEND _preload "${_path}")
  endforeach()
  if(NOT _preload)
    message(WARNING "${test}: no ASan runtime known for ${CMAKE_CXX_COMPILER_ID}; disabled")
    set_tests_properties(${test} PROPERTIES DISABLED TRUE)
    return()
  endif()
  list(JOIN _preload ":" _preload)
  set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT "LD_PRELOAD=${_preload}")
  set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT_MODIFICATION
    "ASAN_OPTIONS=string_append::detect_leaks=0")
endfunction()

# --- the header alone ----------------------------------------------------------------------
add_test(NAME capi.header.c99
  COMMAND ${CMAKE_C_COMPILER} -std=c99 -Wall -Wextra -pedantic -Werror -fsyntax-only
          -I ${_capi_dir} ${_capi_tests}/header_only.c)
add_test(NAME capi.header.cxx
  COMMAND ${CMAKE_CXX_COMPILER} -x c++ -std=c++98 -Wall -Wextra -pedantic -Werror -fsyntax-only
          -I ${_capi_dir} ${_capi_tests}/header_only.c)

# --- the exported surface and the ABI baseline ---------------------------------------------
add_test(NAME capi.symbols
  COMMAND ${IUCORE_BASH_EXECUTABLE} ${_capi_tests}/check_symbols.sh
          $<TARGET_FILE:iucore_c> ${_capi_dir}/iucore.h)
add_test(NAME capi.abi
  COMMAND ${IUCORE_BASH_EXECUTABLE} ${_capi_tests}/check_abi.sh
          $<TARGET_FILE:iucore_c> ${_capi_dir}/abi/libiucore.so.1.abi ${_capi_dir})

# --- the C ABI, through its header only ----------------------------------------------------
add_executable(iucore_capi_tests ${_capi_tests}/test_capi.cpp)
target_link_libraries(iucore_capi_tests PRIVATE iucore::c doctest::doctest Boost::json)
target_compile_definitions(iucore_capi_tests PRIVATE
  IUCORE_EXAMPLE_DEFINITION="${IUCORE_EXAMPLES_DIR}/definition/iu_core.json"
  IUCORE_EXPECTED_VERSION="${PROJECT_VERSION}")
iucore_warnings(iucore_capi_tests)
add_test(NAME capi.offline COMMAND iucore_capi_tests --test-suite=offline)

# Everything that needs databases in the pre-034 state (tests/capi/fresh_db.sh) needs the CLI
# to render the 033 seed.
if(TARGET iucore_cli)
  set(_capi_db_env
    "IUCORE_FRESH_DB=${_capi_tests}/fresh_db.sh"
    "IUCORE_CLI=$<TARGET_FILE:iucore_cli>"
    "IUCORE_EXAMPLE_DEFINITION=${IUCORE_EXAMPLES_DIR}/definition/iu_core.json"
    "IUCORE_EXAMPLE_SUBSTRATE=${IUCORE_EXAMPLES_DIR}/substrate/033_substrate.sql")

  # A test on its own database of the throwaway cluster, with the environment above and ENV.
  function(_iucore_capi_db_test name)
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "ENV;COMMAND")
    iucore_add_pg_test(NAME ${name} COMMAND ${arg_COMMAND})
    set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT ${_capi_db_env} ${arg_ENV})
  endfunction()

  # The 8-thread case runs on its own (capi.live.threads), so that the tsan preset can pick it.
  set(_capi_threads_case "8 threads each*")
  _iucore_capi_db_test(capi.live
    COMMAND iucore_capi_tests --test-suite=live "--test-case-exclude=${_capi_threads_case}")
  _iucore_capi_db_test(capi.live.threads
    COMMAND iucore_capi_tests --test-suite=live "--test-case=${_capi_threads_case}")

  if(Python3_Interpreter_FOUND)
    set(_capi_python_env
      "IUCORE_LIBRARY=$<TARGET_FILE:iucore_c>"
      "PYTHONPATH=${IUCORE_EXAMPLES_DIR}/python")
    _iucore_capi_db_test(capi.python
      COMMAND ${Python3_EXECUTABLE} -m unittest discover -v
              -s ${IUCORE_EXAMPLES_DIR}/python/tests -t ${IUCORE_EXAMPLES_DIR}/python
      ENV ${_capi_python_env}
          "PYTHONDONTWRITEBYTECODE=1"
          "IUCORE_PROJECT_VERSION=${PROJECT_VERSION}"
          "IUCORE_REQUIRE_LIVE=1")
    _iucore_capi_python_under_asan(capi.python)

    _iucore_capi_db_test(capi.schemas
      COMMAND ${Python3_EXECUTABLE} ${_capi_tests}/report_schemas.py ${_capi_dir}/schemas
      ENV ${_capi_python_env} "PYTHONDONTWRITEBYTECODE=1")
    _iucore_capi_python_under_asan(capi.schemas)

    # A representative Python host (tests/capi/python_host.py) under valgrind: no memory error
    # and no definite leak with a frame in libiucore (CPython's own records do not count).
    if(IUCORE_VALGRIND)
      _iucore_capi_db_test(capi.python.valgrind
        COMMAND ${IUCORE_BASH_EXECUTABLE} ${_capi_tests}/run_python_valgrind.sh
                ${Python3_EXECUTABLE}
        ENV ${_capi_python_env})
      set_tests_properties(capi.python.valgrind PROPERTIES TIMEOUT 600)
    endif()
  endif()

  # The examples, each run against a fresh database by run_example.sh.
  function(_iucore_capi_example_test name target)
    _iucore_capi_db_test(${name}
      COMMAND ${IUCORE_BASH_EXECUTABLE} ${_capi_tests}/run_example.sh ${ARGN}
              $<TARGET_FILE:${target}>)
  endfunction()
  if(TARGET iucore_example_c)
    _iucore_capi_example_test(example.c iucore_example_c example_c)
    if(IUCORE_VALGRIND)
      _iucore_capi_example_test(example.c.valgrind iucore_example_c example_c_valgrind
                                --valgrind)
    endif()
  endif()
  if(TARGET iucore_example_cpp)
    _iucore_capi_example_test(example.cpp iucore_example_cpp example_cpp)
  endif()
endif()

# --- the installed package, from outside ---------------------------------------------------
if(PROJECT_IS_TOP_LEVEL)
  add_test(NAME package.consumer
    COMMAND ${IUCORE_BASH_EXECUTABLE} ${_capi_tests}/check_consumer.sh
            ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR}/tests/consumer
            ${CMAKE_CURRENT_BINARY_DIR}/consumer ${CMAKE_GENERATOR}
            ${CMAKE_C_COMPILER} ${CMAKE_CXX_COMPILER})
  set_tests_properties(package.consumer PROPERTIES TIMEOUT 300)
endif()
