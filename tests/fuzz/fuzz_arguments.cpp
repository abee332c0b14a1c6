// libFuzzer target: the argument parser through explain(), against the example definition: the
// first line of the input is the command, every further line a key=value token
// (tests/fuzz/entry_points.hpp).

#include "entry_points.hpp"
#include "fuzz_target.hpp"

#include <iucore/engine/files.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const iucore::definition example =
        iucore::load_definition_file(IUCORE_EXAMPLES_DIR "/definition/iu_core.json").value();
    return iucore::fuzz::verdict(
        iucore::fuzz::arguments_input(example, {reinterpret_cast<const char*>(data), size}));
}
