#pragma once
// Where the CLI finds things: the user's definition (never one it was built with), and the
// bundled example that only `demo` uses, beside the binary.

#include <iucore/error.hpp>

#include <string>

namespace iucore::cli {

/// `--definition`, else $IUCORE_DEFINITION, else iucore.json in the current directory or its
/// nearest parent (as git finds .git). The failure lists every place it looked.
result<std::string> find_definition(const std::string& given);

/// <dir of this binary>/../share/iucore: the installed layout, which the build tree mirrors.
/// Holds definition/iu_core.json, substrate/033_substrate.sql and pg_throwaway.sh.
result<std::string> bundled_data_dir();

} // namespace iucore::cli
