#pragma once
// The bodies of the fuzz targets (tests/fuzz/fuzz_*.cpp), shared with the unit test that
// replays tests/fuzz/regressions/ (tests/unit/test_fuzz_regressions.cpp). Each takes one raw
// input, drives one entry point of the library, and returns "" when every property held, else
// what broke. The other kind of failure is a crash or a sanitizer report.
//
// The properties, beyond "does not crash":
//   definition  a failure is invalid_definition with a UTF-8 message; a loaded definition
//               renders every artifact (or fails with a message), and its JSON reads back equal.
//   signature   a failure is invalid_argument with a UTF-8 message of at most 4 KB (a huge or
//               binary input is not echoed back whole or raw); a parsed signature's printed
//               forms (regprocedure, the record's form) parse back to the same function, and
//               its JSON reads back equal.
//   arguments   first line a command (or, when it is none, one picked by the sum of its
//               bytes), every other line a key=value token, explained against
//               the example definition with its declared configs: a failure is
//               invalid_argument with a UTF-8 message of at most 4 KB; a plan binds exactly the
//               tokens' values, in order, as the SQL's parameters, and its JSON text (what
//               the C ABI writes, with no tree) is exactly its serialised Boost.JSON tree.

#include <iucore/definition.hpp>
#include <iucore/plan.hpp>
#include <iucore/render.hpp>
#include <iucore/signature.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace iucore::fuzz {

/// Longest message a failure may carry when its input is not echoed whole (quote_for_message
/// cuts a quoted input short).
inline constexpr std::size_t bounded_message_bytes = 4096;

/// "" when `f` is a failure of `expected` with a message in UTF-8 (at most
/// bounded_message_bytes when `bounded`), else what is wrong with it.
inline std::string clear_failure(const failure& f, errc expected, std::string_view what,
                                 bool bounded) {
    const auto shown = detail::quote_for_message(f.message, 300);
    if (code_of(f) != expected)
        return std::string(what) + ": failed with " + f.code.message() + " (expected " +
               make_error_code(expected).message() + "): " + shown;
    if (f.message.empty()) return std::string(what) + ": failed without a message";
    if (!is_valid_utf8(f.message)) return std::string(what) + ": message is not UTF-8: " + shown;
    if (bounded && f.message.size() > bounded_message_bytes)
        return std::string(what) + ": message of " + std::to_string(f.message.size()) +
               " bytes echoes its input: " + shown;
    return {};
}

inline std::string definition_input(std::string_view data) {
    auto loaded = parse_definition(data, "fuzz");
    if (!loaded)
        return clear_failure(loaded.error(), errc::invalid_definition, "parse_definition", false);
    const auto& d = loaded.value();
    for (const auto& version : d.versions()) {
        if (!d.figures_at(version))
            return "figures_at(" + version + ") failed on a valid definition";
        // A seed may fail only with a message (a NUL byte cannot be rendered as SQL text).
        if (auto seed = render_seed(d, version); !seed) {
            if (auto e = clear_failure(seed.error(), errc::invalid_argument, "render_seed", false);
                !e.empty())
                return e;
        }
    }
    for (const auto& m : d.migrations) {
        if (!d.expectations(m.id)) return "expectations(" + m.id + ") failed on a valid definition";
        for (auto render : {&render_forward, &render_rollback}) {
            auto sql = render(d, m.id);
            if (!sql) {
                if (auto e =
                        clear_failure(sql.error(), errc::invalid_argument, "render " + m.id, false);
                    !e.empty())
                    return e;
            } else if (sql.value().checksum().size() != 64) {
                return "render " + m.id + ": checksum is not 64 hex digits";
            }
        }
    }
    const auto text = json::serialize(json::value_from(d));
    auto again = parse_definition(text, "round trip");
    if (!again) return "the definition's own JSON does not load: " + again.error().message;
    if (!(again.value() == d)) return "the definition's JSON reads back different";
    return {};
}

inline std::string signature_input(std::string_view data) {
    auto parsed = parse_signature(data);
    if (!parsed)
        return clear_failure(parsed.error(), errc::invalid_argument, "parse_signature", true);
    const auto& sig = parsed.value();
    auto regprocedure = parse_signature(sig.regprocedure());
    if (!regprocedure)
        return "regprocedure \"" + sig.regprocedure() +
               "\" does not parse back: " + regprocedure.error().message;
    if (!regprocedure.value().same_function(sig) || regprocedure.value().returns)
        return "regprocedure \"" + sig.regprocedure() + "\" parses to another function";
    auto record = parse_signature(sig.record_text());
    if (!record)
        return "record text \"" + sig.record_text() +
               "\" does not parse back: " + record.error().message;
    if (!record.value().same_function(sig) || record.value().returns != sig.returns)
        return "record text \"" + sig.record_text() + "\" parses to another function";
    auto from = read_json<signature>(json::value_from(sig), "$");
    if (!from) return "the signature's JSON does not read back: " + from.error().message;
    if (!(from.value() == sig)) return "the signature's JSON reads back different";
    return {};
}

/// Splits on '\n' (a final empty line is kept: it is the empty token).
inline std::vector<std::string> lines_of(std::string_view data) {
    std::vector<std::string> out;
    for (;;) {
        const auto nl = data.find('\n');
        out.emplace_back(data.substr(0, nl));
        if (nl == std::string_view::npos) return out;
        data.remove_prefix(nl + 1);
    }
}

inline std::string arguments_input(const definition& example, std::string_view data) {
    auto lines = lines_of(data);
    const std::vector<std::string> tokens(lines.begin() + 1, lines.end());
    // A first line that is no command picks one by the sum of its bytes, so mutations of the
    // name keep exercising the arguments. A short or a huge one is also explained as it is:
    // the nearest name's edit distances would dominate the fuzzer's time on the others, and a
    // huge one must not be echoed whole.
    auto command = lines.front();
    if (!example.find_entry(command) && !example.registry.empty()) {
        if (command.size() <= 8 || command.size() > bounded_message_bytes) {
            auto unknown = explain(example, command, tokens, &example.configs);
            if (unknown) return "explain accepted the unknown command " + command;
            if (auto e = clear_failure(unknown.error(), errc::invalid_argument, "explain", true);
                !e.empty())
                return e;
        }
        std::size_t sum = 0;
        for (unsigned char c : command)
            sum += c;
        command = example.registry[sum % example.registry.size()].command;
    }
    auto p = explain(example, command, tokens, &example.configs);
    if (!p) return clear_failure(p.error(), errc::invalid_argument, "explain", true);
    const auto& plan = p.value();
    if (plan.command != command) return "the plan names another command";
    if (plan.sql.params.size() != plan.arguments.values.size())
        return "the SQL has another number of parameters than the bound arguments";
    std::size_t previous = 0;
    for (std::size_t i = 0; i < plan.arguments.values.size(); ++i) {
        const auto& a = plan.arguments.values[i];
        if (plan.sql.params[i] != a.value) return "parameter " + a.name + " is not its value";
        const auto token = std::find(tokens.begin(), tokens.end(), a.name + "=" + a.value);
        if (token == tokens.end()) return "bound " + a.name + " is not a given token";
        if (!validate_literal(a.type, a.value)) return "bound " + a.name + " is not a literal";
        // In the function's parameter order.
        const auto position =
            static_cast<std::size_t>(std::find_if(plan.specs.begin(), plan.specs.end(),
                                                  [&](const auto& s) { return s.name == a.name; }) -
                                     plan.specs.begin());
        if (position >= plan.specs.size() || (i > 0 && position <= previous))
            return "bound arguments are not in the function's parameter order";
        previous = position;
    }
    if (!plan.decision) return "no gate decision although configs were given";
    // The C ABI writes the plan as text with no tree: it must be the tree's document exactly.
    if (to_json_text(plan) != json::serialize(json::value_from(plan)))
        return "the plan's JSON text differs from its serialised tree";
    return {};
}

} // namespace iucore::fuzz
