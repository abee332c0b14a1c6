#pragma once
// The surface inventory ("D9"): iu-core objects counted by kind.

#include <iucore/detail/json_io.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace iucore {

enum class surface_kind { table, view, function, trigger, config, event_type, route };

inline constexpr std::array all_surface_kinds{
    surface_kind::table,  surface_kind::view,       surface_kind::function, surface_kind::trigger,
    surface_kind::config, surface_kind::event_type, surface_kind::route};

constexpr std::string_view name(surface_kind k) {
    switch (k) {
    case surface_kind::table:
        return "table";
    case surface_kind::view:
        return "view";
    case surface_kind::function:
        return "function";
    case surface_kind::trigger:
        return "trigger";
    case surface_kind::config:
        return "config";
    case surface_kind::event_type:
        return "event_type";
    case surface_kind::route:
        return "route";
    }
    return "";
}

/// Counts by kind. A migration's delta is a surface too (entries may be negative).
struct surface {
    std::array<std::int64_t, all_surface_kinds.size()> counts{};

    std::int64_t& operator[](surface_kind k) { return counts[static_cast<std::size_t>(k)]; }
    std::int64_t operator[](surface_kind k) const { return counts[static_cast<std::size_t>(k)]; }

    std::int64_t total() const {
        std::int64_t sum = 0;
        for (auto c : counts)
            sum += c;
        return sum;
    }
    bool is_zero() const {
        for (auto c : counts)
            if (c != 0) return false;
        return true;
    }
    surface operator+(const surface& delta) const {
        surface out = *this;
        for (std::size_t i = 0; i < counts.size(); ++i)
            out.counts[i] += delta.counts[i];
        return out;
    }
    friend bool operator==(const surface&, const surface&) = default;
};

struct surface_difference {
    surface_kind kind = surface_kind::table;
    std::int64_t expected = 0;
    std::int64_t actual = 0;
    friend bool operator==(const surface_difference&, const surface_difference&) = default;
};

/// Every kind whose count differs; empty when the inventories agree.
inline std::vector<surface_difference> diff(const surface& expected, const surface& actual) {
    std::vector<surface_difference> out;
    for (auto k : all_surface_kinds)
        if (expected[k] != actual[k]) out.push_back({k, expected[k], actual[k]});
    return out;
}

inline void tag_invoke(json::value_from_tag, json::value& v, const surface& s) {
    json::object o(v.storage());
    for (auto k : all_surface_kinds)
        o[name(k)] = s[k];
    o["total"] = s.total();
    v = std::move(o);
}

/// Kinds may be omitted (zero: a delta names only what changes); `total`, when given, must add up.
inline result<surface> from_json(std::type_identity<surface>, const json::value& v,
                                 const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    surface s;
    for (auto k : all_surface_kinds) {
        BOOST_OUTCOME_TRY(auto count, reader.optional_or<std::int64_t>(name(k), 0));
        s[k] = count;
    }
    BOOST_OUTCOME_TRY(auto total, reader.optional<std::int64_t>("total"));
    BOOST_OUTCOME_TRY(reader.finish());
    if (total && *total != s.total())
        return fail(errc::invalid_definition, path + ".total: " + std::to_string(*total) +
                                                  " does not add up: the kinds sum to " +
                                                  std::to_string(s.total()));
    return s;
}

inline void tag_invoke(json::value_from_tag, json::value& v, surface_kind k) {
    v = name(k);
}

inline result<surface_kind> from_json(std::type_identity<surface_kind>, const json::value& v,
                                      const std::string& path) {
    return detail::enum_from_name(v, path, all_surface_kinds);
}

inline void tag_invoke(json::value_from_tag, json::value& v, const surface_difference& d) {
    v = {{"kind", name(d.kind)}, {"expected", d.expected}, {"actual", d.actual}};
}

inline result<surface_difference> from_json(std::type_identity<surface_difference>,
                                            const json::value& v, const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    surface_difference d;
    BOOST_OUTCOME_TRY(d.kind, reader.required<surface_kind>("kind"));
    BOOST_OUTCOME_TRY(d.expected, reader.required<std::int64_t>("expected"));
    BOOST_OUTCOME_TRY(d.actual, reader.required<std::int64_t>("actual"));
    BOOST_OUTCOME_TRY(reader.finish());
    return d;
}

} // namespace iucore
