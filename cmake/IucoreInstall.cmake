# IucoreInstall -- install rules and the CMake/pkg-config packages (top-level builds only).
#
#   <prefix>/include/iucore/...                 the C++ headers (iucore::iucore)
#   <prefix>/include/iucore.h                   the C ABI header (iucore::c)
#   <prefix>/<libdir>/libiucore++.a             the C++ library (or .so with BUILD_SHARED_LIBS)
#   <prefix>/<libdir>/libiucore.so.1[.x.y]      the C ABI (SONAME libiucore.so.1), libiucore.so
#   <prefix>/bin/iucore                         the CLI
#   <prefix>/<libdir>/cmake/iucore/             iucoreConfig.cmake, iucoreConfigVersion.cmake,
#                                               iucoreTargets*.cmake: find_package(iucore CONFIG)
#                                               gives iucore::iucore and iucore::c
#   <prefix>/<libdir>/pkgconfig/iucore.pc       pkg-config for the C library (relocatable)
#   <prefix>/share/iucore/definition/           the example definition (iu_core.json, README.md)
#   <prefix>/share/iucore/substrate/            the 033 substrate (033_substrate.sql, README.md)
#   <prefix>/share/iucore/pg_throwaway.sh       the throwaway PostgreSQL (the CLI's demo)
#   <prefix>/share/iucore/python/               the ctypes host: iucore/, cutter_agent/
#
# The share/iucore layout mirrors examples/, so paths relative to the definition (pin sites such
# as ../python/cutter_agent/iu_core/dot_commands.py) hold in both.
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(IUCORE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/iucore CACHE STRING
  "Where the iucore CMake package files are installed (relative to the prefix)")
set(IUCORE_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/iucore)

# --- libraries, headers, the CLI -------------------------------------------------------------
set(_iucore_targets iucore)
if(TARGET iucore_c)
  list(APPEND _iucore_targets iucore_c)
endif()
install(TARGETS ${_iucore_targets}
  EXPORT iucoreTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime
          NAMELINK_COMPONENT development
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/iucore
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development
  FILES_MATCHING PATTERN "*.hpp")
if(TARGET iucore_c)
  install(FILES ${PROJECT_SOURCE_DIR}/capi/iucore.h
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development)
endif()
if(TARGET iucore_cli)
  install(TARGETS iucore_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
endif()

# --- the CMake package -----------------------------------------------------------------------
install(EXPORT iucoreTargets
  NAMESPACE iucore::
  DESTINATION ${IUCORE_INSTALL_CMAKEDIR}
  COMPONENT development)
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
if(EXISTS ${PROJECT_SOURCE_DIR}/examples/python/iucore)
  install(DIRECTORY
    ${PROJECT_SOURCE_DIR}/examples/python/iucore
    ${PROJECT_SOURCE_DIR}/examples/python/cutter_agent
    DESTINATION ${IUCORE_INSTALL_DATADIR}/python COMPONENT runtime
    FILES_MATCHING PATTERN "*.py"
    PATTERN "__pycache__" EXCLUDE)
endif()
