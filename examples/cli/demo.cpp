// `iucore demo`: the migration record replayed end to end.
#include "cli.hpp"
namespace iucore::cli {
int run_demo(context&, const std::vector<std::string>&) {
    return usage_error;
}
} // namespace iucore::cli
