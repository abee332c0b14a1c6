/* capi/iucore.h compiles alone: this file includes nothing else. Compiled by CTest as C99 and as
 * C++ with -Wall -Wextra -pedantic -Werror (tests/capi/capi.cmake: capi.header.*). */
#include "iucore.h"
