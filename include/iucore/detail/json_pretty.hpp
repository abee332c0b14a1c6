#pragma once
// Indented JSON text, for definition files people read and review in diffs. Objects keep
// their member order; arrays of scalars and small objects stay on one line.

#include <boost/json.hpp>

#include <string>

namespace iucore::detail {

inline bool is_flat(const boost::json::value& v) {
    if (v.is_array()) {
        for (const auto& item : v.get_array())
            if (item.is_array() || item.is_object()) return false;
        return true;
    }
    if (v.is_object()) {
        for (const auto& [key, item] : v.get_object()) {
            (void)key;
            if (item.is_object() || (item.is_array() && !item.get_array().empty())) return false;
        }
        return boost::json::serialize(v).size() <= 100;
    }
    return true;
}

inline void pretty_into(std::string& out, const boost::json::value& v, int indent) {
    if (is_flat(v)) {
        out += boost::json::serialize(v);
        return;
    }
    const std::string inner(static_cast<std::size_t>(indent + 2), ' ');
    const std::string outer(static_cast<std::size_t>(indent), ' ');
    if (v.is_array()) {
        out += "[\n";
        bool first = true;
        for (const auto& item : v.get_array()) {
            out += (first ? "" : ",\n") + inner;
            pretty_into(out, item, indent + 2);
            first = false;
        }
        out += "\n" + outer + "]";
        return;
    }
    out += "{\n";
    bool first = true;
    for (const auto& [key, item] : v.get_object()) {
        out +=
            (first ? "" : ",\n") + inner + boost::json::serialize(boost::json::value(key)) + ": ";
        pretty_into(out, item, indent + 2);
        first = false;
    }
    out += "\n" + outer + "}";
}

inline std::string pretty(const boost::json::value& v) {
    std::string out;
    pretty_into(out, v, 0);
    return out + "\n";
}

} // namespace iucore::detail
