#pragma once
// The body of the C ABI fuzz target (tests/fuzz/fuzz_capi.cpp): the JSON text entry points
// that need no server, through capi/iucore.h only. Returns "" when every property held:
//   - iucore_definition_load_json: IUCORE_OK, or IUCORE_E_JSON / IUCORE_E_DEFINITION /
//     IUCORE_E_INVALID_UTF8 with a message; a loaded definition's iucore_definition_json
//     loads again;
//   - iucore_explain with the input as args_json, for both of the record's commands:
//     IUCORE_OK with a JSON report, or IUCORE_E_JSON / IUCORE_E_INVALID_ARGUMENT /
//     IUCORE_E_INVALID_UTF8 with a message;
//   - never IUCORE_E_INTERNAL, an out pointer set on failure, or a missing one on success.
// The input crosses as a C string: bytes after a NUL are not seen, as for any C caller.

#include "iucore.h"

#include <boost/json.hpp>

#include <initializer_list>
#include <string>
#include <string_view>

namespace iucore::fuzz {

/// "" when `rc` is one of `allowed` and agrees with `out` and the last error, else the problem.
inline std::string check_call(const char* what, int rc, const char* out,
                              std::initializer_list<int> allowed) {
    const std::string name(what);
    if (rc != iucore_last_error_code()) return name + ": status and last error code differ";
    if (rc == IUCORE_OK) {
        if (!out) return name + ": IUCORE_OK without a result";
        boost::system::error_code ec;
        (void)boost::json::parse(out, ec);
        if (ec) return name + ": the result is not JSON";
        return {};
    }
    if (out) return name + ": failed but set the out parameter";
    const std::string message = iucore_last_error_message();
    if (message.empty()) return name + ": failed without a message";
    for (int code : allowed)
        if (rc == code) return {};
    return name + ": unexpected status " + std::to_string(rc) + ": " + message;
}

inline std::string capi_input(const iucore_definition* example, std::string_view data) {
    const std::string text(data); // NUL-terminated; stops at the first NUL for the library
    iucore_definition* loaded = nullptr;
    const int rc = iucore_definition_load_json(&loaded, text.c_str(), "fuzz");
    std::string problem =
        check_call("iucore_definition_load_json", rc, rc == IUCORE_OK ? "{}" : nullptr,
                   {IUCORE_E_JSON, IUCORE_E_DEFINITION, IUCORE_E_INVALID_UTF8});
    if ((rc == IUCORE_OK) != (loaded != nullptr))
        problem = "iucore_definition_load_json: handle and status disagree";
    if (problem.empty() && loaded) {
        char* json = nullptr;
        const int dumped = iucore_definition_json(&json, loaded);
        problem = check_call("iucore_definition_json", dumped, json, {});
        if (problem.empty()) {
            iucore_definition* again = nullptr;
            if (iucore_definition_load_json(&again, json, "round trip") != IUCORE_OK)
                problem = std::string("a definition's own JSON does not load: ") +
                          iucore_last_error_message();
            iucore_definition_destroy(&again);
        }
        iucore_free(json);
    }
    iucore_definition_destroy(&loaded);
    if (!problem.empty()) return problem;

    for (const char* command :
         {"dot_iu_auto_instantiate_from_event", "dot_iu_auto_instantiate_rollback_by_actor"}) {
        char* out = nullptr;
        const int explained = iucore_explain(&out, nullptr, example, command, text.c_str());
        problem = check_call("iucore_explain", explained, out,
                             {IUCORE_E_JSON, IUCORE_E_INVALID_ARGUMENT, IUCORE_E_INVALID_UTF8});
        iucore_free(out);
        if (!problem.empty()) return problem;
    }
    return {};
}

} // namespace iucore::fuzz
