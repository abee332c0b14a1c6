// libFuzzer target: the C ABI's JSON text entry points that need no server
// (tests/fuzz/capi_entry_point.hpp).

#include "capi_entry_point.hpp"
#include "fuzz_target.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static iucore_definition* const example = [] {
        iucore_definition* d = nullptr;
        if (iucore_definition_load_file(&d, IUCORE_EXAMPLES_DIR "/definition/iu_core.json") !=
            IUCORE_OK) {
            std::fprintf(stderr, "cannot load the example definition: %s\n",
                         iucore_last_error_message());
            std::abort();
        }
        return d;
    }();
    return iucore::fuzz::verdict(
        iucore::fuzz::capi_input(example, {reinterpret_cast<const char*>(data), size}));
}
