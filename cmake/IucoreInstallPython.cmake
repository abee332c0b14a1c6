# IucoreInstallPython -- run by `cmake --install` (install(SCRIPT) in IucoreInstall.cmake), after
# IUCORE_PY_PACKAGE_DIR, IUCORE_PY_LIBDIR, IUCORE_PY_LIBDIR_FROM_PACKAGE and IUCORE_PY_DATADIR
# were set by an install(CODE) there. Writes <prefix>/share/iucore/python/iucore/_installed.py:
#   LIBDIR               where this install's libiucore.so.1 is (the prefix given to
#                        cmake --install, without DESTDIR)
#   LIBDIR_FROM_PACKAGE  the same, relative to the package directory (for a moved prefix)
#   DATADIR              <prefix>/share/iucore: the example definition, substrate, pg_throwaway.sh
if(IS_ABSOLUTE "${IUCORE_PY_LIBDIR}")
  set(_libdir "${IUCORE_PY_LIBDIR}")
else()
  set(_libdir "${CMAKE_INSTALL_PREFIX}/${IUCORE_PY_LIBDIR}")
endif()
if(IS_ABSOLUTE "${IUCORE_PY_DATADIR}")
  set(_datadir "${IUCORE_PY_DATADIR}")
else()
  set(_datadir "${CMAKE_INSTALL_PREFIX}/${IUCORE_PY_DATADIR}")
endif()
set(_file "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${IUCORE_PY_PACKAGE_DIR}/_installed.py")
# Python string literals: escape backslashes and double quotes.
foreach(_var _libdir _datadir IUCORE_PY_LIBDIR_FROM_PACKAGE)
  string(REPLACE "\\" "\\\\" _q "${${_var}}")
  string(REPLACE "\"" "\\\"" _q "${_q}")
  set(${_var}_q "${_q}")
endforeach()
message(STATUS "Installing: ${_file}")
file(WRITE "${_file}"
  "\"\"\"Written by cmake --install: where the libiucore.so.1 of this install is.\"\"\"\n"
  "\n"
  "LIBDIR = \"${_libdir_q}\"\n"
  "LIBDIR_FROM_PACKAGE = \"${IUCORE_PY_LIBDIR_FROM_PACKAGE_q}\"\n"
  "DATADIR = \"${_datadir_q}\"\n")
list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${_file}")
