// Boost.JSON compiled into libiucore.so.1 (its one translation unit), so a host ships the library
// and libpq, not Boost. Hidden like everything else in the library (-fvisibility=hidden and the
// version script iucore.map): a host with a Boost.JSON of its own, of any version, keeps it.
#include <boost/json/src.hpp>
