# IucoreInstall -- install rules and the CMake/pkg-config packages (top-level builds only).
#
#   <prefix>/include/iucore/...                 the C++ headers (iucore::iucore)
#   <prefix>/include/iucore.h                   the C ABI header (iucore::c)
#   <prefix>/<libdir>/libiucore++.a             the C++ library (or .so with BUILD_SHARED_LIBS)
#   <prefix>/<libdir>/libiucore.so.1[.x.y]      the C ABI (SONAME libiucore.so.1), libiucore.so
#   <prefix>/bin/iucore                         the CLI
#   <prefix>/share/man/man1/iucore.1            its man page (docs/iucore.1)
#   <prefix>/share/bash-completion/completions/iucore   its bash completion
#                                               (examples/cli/iucore.bash-completion)
#   <prefix>/share/doc/iucore/LICENSE           the licence (and README.md)
#   <prefix>/<libdir>/cmake/iucore/             iucoreConfig.cmake, iucoreConfigVersion.cmake,
#                                               iucoreTargets*.cmake (iucore::iucore, component
#                                               cxx), iucoreCTargets*.cmake (iucore::c, component
#                                               c): find_package(iucore CONFIG [COMPONENTS c cxx])
#   <prefix>/<libdir>/pkgconfig/iucore.pc       pkg-config for the C library (relocatable)
#   <prefix>/share/iucore/definition/           the example definition (iu_core.json, README.md)
#   <prefix>/share/iucore/substrate/            the 033 substrate (033_substrate.sql, README.md)
#   <prefix>/share/iucore/pg_throwaway.sh       the throwaway PostgreSQL (the CLI's demo)
#   <prefix>/share/iucore/schemas/              the reports' JSON Schemas (capi/schemas:
#                                               <operation>.json, iucore-report/1)
#   <prefix>/share/iucore/python/               the whole Python host (examples/python without
#                                               __pycache__): iucore/, cutter_agent/, tests/,
#                                               pyproject.toml (pip install it from there), and
#                                               iucore/_installed.py, written at install time:
#                                               where this prefix's libiucore.so.1 is
#
# The share/iucore layout mirrors examples/, so paths relative to the definition (pin sites such
# as ../python/cutter_agent/iu_core/dot_commands.py) hold in both, and the CLI finds the demo's
# files at <dir of the binary>/../share/iucore. Nothing installed names the source or build tree.
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(IUCORE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/iucore CACHE STRING
  "Where the iucore CMake package files are installed (relative to the prefix)")
set(IUCORE_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/iucore)

# --- libraries, headers, the CLI -------------------------------------------------------------
# Two export sets, so that the package's `c` component (iucoreCTargets.cmake) loads without the
# C++ library's dependencies (Boost, PostgreSQL) and its `cxx` component (iucoreTargets.cmake)
# brings them (cmake/iucoreConfig.cmake.in).
install(TARGETS iucore iucore_core
  EXPORT iucoreTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime
          NAMELINK_COMPONENT development
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET iucore_c)
  install(TARGETS iucore_c
    EXPORT iucoreCTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime
            NAMELINK_COMPONENT development
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/iucore
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development
  FILES_MATCHING PATTERN "*.hpp")
if(TARGET iucore_c)
  install(FILES ${PROJECT_SOURCE_DIR}/capi/iucore.h
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development)
endif()
if(TARGET iucore_cli)
  install(TARGETS iucore_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/iucore.1
    DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
  install(FILES ${PROJECT_SOURCE_DIR}/examples/cli/iucore.bash-completion
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT runtime
    RENAME iucore)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/README.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)

# --- the CMake package -----------------------------------------------------------------------
install(EXPORT iucoreTargets
  NAMESPACE iucore::
  DESTINATION ${IUCORE_INSTALL_CMAKEDIR}
  COMPONENT development)
if(TARGET iucore_c)
  install(EXPORT iucoreCTargets
    NAMESPACE iucore::
    DESTINATION ${IUCORE_INSTALL_CMAKEDIR}
    COMPONENT development)
endif()
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/iucoreConfig.cmake.in
  ${PROJECT_BINARY_DIR}/iucoreConfig.cmake
  INSTALL_DESTINATION ${IUCORE_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/iucoreConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/iucoreConfig.cmake ${PROJECT_BINARY_DIR}/iucoreConfigVersion.cmake
  DESTINATION ${IUCORE_INSTALL_CMAKEDIR}
  COMPONENT development)

# --- pkg-config (the C library); relocatable: its prefix is found from the .pc file's place --
if(TARGET iucore_c)
  set(_iucore_pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  file(RELATIVE_PATH IUCORE_PC_PREFIX_FROM_PCFILEDIR /prefix/${_iucore_pc_dir} /prefix)
  string(REGEX REPLACE "/$" "" IUCORE_PC_PREFIX_FROM_PCFILEDIR "${IUCORE_PC_PREFIX_FROM_PCFILEDIR}")
  configure_file(${CMAKE_CURRENT_LIST_DIR}/iucore.pc.in ${PROJECT_BINARY_DIR}/iucore.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/iucore.pc
    DESTINATION ${_iucore_pc_dir} COMPONENT development)
endif()

# --- data: the example definition, the substrate, the throwaway PostgreSQL, the Python host --
install(FILES
  ${PROJECT_SOURCE_DIR}/examples/definition/iu_core.json
  ${PROJECT_SOURCE_DIR}/examples/definition/README.md
  DESTINATION ${IUCORE_INSTALL_DATADIR}/definition COMPONENT runtime)
install(FILES
  ${PROJECT_SOURCE_DIR}/examples/substrate/033_substrate.sql
  ${PROJECT_SOURCE_DIR}/examples/substrate/README.md
  DESTINATION ${IUCORE_INSTALL_DATADIR}/substrate COMPONENT runtime)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/cmake/pg_throwaway.sh
  DESTINATION ${IUCORE_INSTALL_DATADIR} COMPONENT runtime)
if(EXISTS ${PROJECT_SOURCE_DIR}/capi/schemas)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/capi/schemas/
    DESTINATION ${IUCORE_INSTALL_DATADIR}/schemas COMPONENT runtime
    FILES_MATCHING PATTERN "*.json")
endif()
if(EXISTS ${PROJECT_SOURCE_DIR}/examples/python/iucore)
  # The whole tree (sources, tests, README.md, pyproject.toml), without bytecode or build output.
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/python/
    DESTINATION ${IUCORE_INSTALL_DATADIR}/python COMPONENT runtime
    PATTERN "__pycache__" EXCLUDE
    PATTERN "*.py[co]" EXCLUDE
    PATTERN "*.egg-info" EXCLUDE
    PATTERN "build" EXCLUDE
    PATTERN "_installed.py" EXCLUDE)
  # iucore/_installed.py: where the library of *this* install is, written at install time (so
  # `cmake --install --prefix P` records P, without DESTDIR), absolute and relative to the
  # package. `pip install <prefix>/share/iucore/python` copies it with the package, so the module
  # finds libiucore.so.1 wherever pip puts it (see _candidates() in iucore/__init__.py).
  if(TARGET iucore_c)
    set(_iucore_py_pkg ${IUCORE_INSTALL_DATADIR}/python/iucore)
    if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
      set(_iucore_libdir_rel "")
    else()
      file(RELATIVE_PATH _iucore_libdir_rel /prefix/${_iucore_py_pkg} /prefix/${CMAKE_INSTALL_LIBDIR})
    endif()
    install(CODE "set(IUCORE_PY_PACKAGE_DIR \"${_iucore_py_pkg}\")
                  set(IUCORE_PY_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
                  set(IUCORE_PY_LIBDIR_FROM_PACKAGE \"${_iucore_libdir_rel}\")
                  set(IUCORE_PY_DATADIR \"${IUCORE_INSTALL_DATADIR}\")"
      COMPONENT runtime)
    install(SCRIPT ${CMAKE_CURRENT_LIST_DIR}/IucoreInstallPython.cmake COMPONENT runtime)
  endif()
endif()
