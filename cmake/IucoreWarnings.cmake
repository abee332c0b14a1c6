# One place for the warning policy of every target we build.
function(iucore_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(IUCORE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
