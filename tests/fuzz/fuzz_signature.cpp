// libFuzzer target: the signature parser (parse_signature) and its printed forms
// (tests/fuzz/entry_points.hpp).

#include "entry_points.hpp"
#include "fuzz_target.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return iucore::fuzz::verdict(
        iucore::fuzz::signature_input({reinterpret_cast<const char*>(data), size}));
}
