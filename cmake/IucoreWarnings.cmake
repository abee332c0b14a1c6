# One place for the warning policy of every target we build.
#
# Warnings are errors only where asked for: IUCORE_WERROR (OFF by default; the CMakePresets.json
# presets and .ci set it ON). A plain `cmake -DCMAKE_BUILD_TYPE=Release` build with GCC 12 or
# clang 14 builds warning-free (tests/install/plain_builds.sh, a step of .ci/run).
#
# GCC 12 before 12.3 at -O3 (Release) reports -Wrestrict inside libstdc++ for the ordinary
# `"text" + std::string(...)` (operator+(const char*, std::string&&) inlined into insert):
# a false positive, GCC bugs 105329 and 105651, fixed in 12.3 and 13. It is switched off for
# those compilers in Release only, where it fires; every other configuration keeps it.
function(iucore_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
     AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 12.3)
    target_compile_options(${target} PRIVATE
      $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CONFIG:Release>>:-Wno-restrict>)
  endif()
  if(IUCORE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
