#pragma once
// The command catalog: one row per governed DOT command, as public.dot_iu_command_catalog
// holds it, with ON CONFLICT DO NOTHING insertion, removal and a row-by-row diff.

#include <iucore/detail/json_io.hpp>
#include <iucore/detail/json_members.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace iucore {

struct catalog_row {
    std::string command_name;
    std::string category;
    bool mutating = false;
    bool reversible = false;
    std::vector<std::string> target_functions;
    bool fixture = false; // exists only to reproduce the record's figures; not a column

    friend bool operator==(const catalog_row&, const catalog_row&) = default;
};

/// The catalog's columns in table order, each with how PostgreSQL's text output shows it.
struct catalog_column {
    std::string_view name;
    std::string (*text)(const catalog_row&);
};

namespace detail {
inline std::string pg_bool_text(bool b) {
    return b ? "t" : "f";
}
/// An element as array_out writes it: in double quotes (with `"` and `\` escaped) when it is
/// empty, reads as NULL, or holds a delimiter, brace, quote, backslash or whitespace.
inline std::string pg_array_element_text(const std::string& item) {
    bool quote = item.empty();
    if (item.size() == 4) {
        std::string lower = item;
        for (auto& c : lower)
            c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        quote = quote || lower == "null";
    }
    for (char c : item)
        quote = quote || c == '"' || c == '\\' || c == '{' || c == '}' || c == ',' || c == ' ' ||
                c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
    if (!quote) return item;
    std::string out = "\"";
    for (char c : item) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}
inline std::string pg_array_text(const std::vector<std::string>& items) {
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); ++i)
        out += (i ? "," : "") + pg_array_element_text(items[i]);
    return out + "}";
}
} // namespace detail

inline constexpr std::array<catalog_column, 5> catalog_columns{{
    {"command_name", [](const catalog_row& r) { return r.command_name; }},
    {"category", [](const catalog_row& r) { return r.category; }},
    {"mutating", [](const catalog_row& r) { return detail::pg_bool_text(r.mutating); }},
    {"reversible", [](const catalog_row& r) { return detail::pg_bool_text(r.reversible); }},
    {"target_functions",
     [](const catalog_row& r) { return detail::pg_array_text(r.target_functions); }},
}};

struct column_change {
    std::string column;
    std::string expected;
    std::string actual;
    friend bool operator==(const column_change&, const column_change&) = default;
};

struct row_change {
    std::string command_name;
    std::vector<column_change> columns;
    friend bool operator==(const row_change&, const row_change&) = default;
};

struct catalog_diff {
    std::vector<std::string> missing; // expected, absent from actual
    std::vector<std::string> extra;   // present in actual, not expected
    std::vector<row_change> changed;  // present in both, some column differs
    bool empty() const { return missing.empty() && extra.empty() && changed.empty(); }
    friend bool operator==(const catalog_diff&, const catalog_diff&) = default;
};

class catalog {
  public:
    catalog() = default;
    explicit catalog(std::vector<catalog_row> rows) {
        for (auto& row : rows)
            add(std::move(row));
    }

    const std::vector<catalog_row>& rows() const { return rows_; }
    std::size_t size() const { return rows_.size(); }

    const catalog_row* find(std::string_view command_name) const {
        if (slots_.empty()) return nullptr;
        const auto slot = slots_[slot_for(command_name)];
        return slot == empty_slot ? nullptr : &rows_[slot - 1];
    }

    /// INSERT … ON CONFLICT (command_name) DO NOTHING: returns how many rows went in.
    std::size_t insert_if_absent(const std::vector<catalog_row>& rows) {
        std::size_t inserted = 0;
        for (const auto& row : rows)
            inserted += add(row) ? 1 : 0;
        return inserted;
    }

    /// DELETE … WHERE command_name = ANY(names): returns how many rows went out.
    std::size_t remove(const std::vector<std::string>& names) {
        auto before = rows_.size();
        std::erase_if(rows_, [&](const auto& r) {
            return std::find(names.begin(), names.end(), r.command_name) != names.end();
        });
        if (rows_.size() != before) reindex(slots_.size());
        return before - rows_.size();
    }

    std::set<std::string> target_functions() const {
        std::set<std::string> out;
        for (const auto& r : rows_)
            out.insert(r.target_functions.begin(), r.target_functions.end());
        return out;
    }

    std::size_t distinct_targets() const { return target_functions().size(); }

    friend bool operator==(const catalog& a, const catalog& b) { return a.rows_ == b.rows_; }

  private:
    // The index: open addressing with linear probing over positions in rows_ (+1; 0 is an empty
    // slot), at most half full. Find and insert take constant time, so loading, folding and
    // diffing N rows is linear in N; and copying a catalog (every fold does) copies one array
    // instead of a node and a key per row.
    static constexpr std::uint32_t empty_slot = 0;

    /// The slot holding `name`, or the empty slot where it would go.
    std::size_t slot_for(std::string_view name) const {
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = std::hash<std::string_view>{}(name)&mask;; i = (i + 1) & mask)
            if (slots_[i] == empty_slot || rows_[slots_[i] - 1].command_name == name) return i;
    }

    void reindex(std::size_t min_slots) {
        std::size_t size = 16;
        while (size < min_slots || size < 2 * (rows_.size() + 1))
            size *= 2;
        slots_.assign(size, empty_slot);
        for (std::size_t i = 0; i < rows_.size(); ++i)
            slots_[slot_for(rows_[i].command_name)] = static_cast<std::uint32_t>(i + 1);
    }

    bool add(catalog_row row) {
        if (2 * (rows_.size() + 1) > slots_.size()) reindex(2 * slots_.size());
        const auto slot = slot_for(row.command_name);
        if (slots_[slot] != empty_slot) return false;
        slots_[slot] = static_cast<std::uint32_t>(rows_.size() + 1);
        rows_.push_back(std::move(row));
        return true;
    }

    std::vector<catalog_row> rows_;
    std::vector<std::uint32_t> slots_;
};

/// Row by row, by command_name: what `actual` lacks, what it has extra, and for rows in both,
/// every column whose text differs (target_functions compared as the ordered array it is).
inline catalog_diff diff(const catalog& expected, const catalog& actual) {
    catalog_diff out;
    for (const auto& want : expected.rows()) {
        const auto* have = actual.find(want.command_name);
        if (!have) {
            out.missing.push_back(want.command_name);
            continue;
        }
        // Equal fields print equal text: only a row that differs is compared column by column.
        if (want.category == have->category && want.mutating == have->mutating &&
            want.reversible == have->reversible && want.target_functions == have->target_functions)
            continue;
        row_change change{want.command_name, {}};
        for (const auto& column : catalog_columns) {
            auto e = column.text(want), a = column.text(*have);
            if (e != a) change.columns.push_back({std::string(column.name), e, a});
        }
        if (!change.columns.empty()) out.changed.push_back(std::move(change));
    }
    for (const auto& have : actual.rows())
        if (!expected.find(have.command_name)) out.extra.push_back(have.command_name);
    std::sort(out.missing.begin(), out.missing.end());
    std::sort(out.extra.begin(), out.extra.end());
    return out;
}

template <class Out>
void json_members(Out& out, const catalog_row& r) {
    out("command_name", r.command_name)("category", r.category)("mutating", r.mutating)(
        "reversible", r.reversible)("target_functions", r.target_functions);
    if (r.fixture) out("fixture", true);
}

inline result<catalog_row> from_json(std::type_identity<catalog_row>, const json::value& v,
                                     const std::string& path) {
    BOOST_OUTCOME_TRY(auto reader, json_object_reader::open(v, path));
    catalog_row r;
    BOOST_OUTCOME_TRY(r.command_name, reader.required<std::string>("command_name"));
    BOOST_OUTCOME_TRY(r.category, reader.required<std::string>("category"));
    BOOST_OUTCOME_TRY(r.mutating, reader.required<bool>("mutating"));
    BOOST_OUTCOME_TRY(r.reversible, reader.required<bool>("reversible"));
    BOOST_OUTCOME_TRY(r.target_functions,
                      reader.required<std::vector<std::string>>("target_functions"));
    BOOST_OUTCOME_TRY(r.fixture, reader.optional_or<bool>("fixture", false));
    BOOST_OUTCOME_TRY(reader.finish());
    return r;
}

inline void tag_invoke(json::value_from_tag, json::value& v, const catalog& c) {
    v = json::value_from(c.rows(), v.storage());
}

/// A catalog from JSON rejects a repeated command_name (the table's primary key would).
inline result<catalog> from_json(std::type_identity<catalog>, const json::value& v,
                                 const std::string& path) {
    BOOST_OUTCOME_TRY(auto rows, read_json<std::vector<catalog_row>>(v, path));
    const auto read = rows.size();
    catalog out(std::move(rows)); // moves every row in, dropping a repeated command_name
    if (out.size() == read) return out;
    std::set<std::string_view> seen; // name the first repeat (read_json checked the shapes)
    const auto& items = v.get_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& name = items[i].get_object().at("command_name").get_string();
        if (!seen.insert(std::string_view(name)).second)
            return fail(errc::invalid_definition, path + "[" + std::to_string(i) +
                                                      "].command_name: duplicate command \"" +
                                                      std::string(name) + "\"");
    }
    return out;
}

inline void tag_invoke(json::value_from_tag, json::value& v, const column_change& c) {
    v = {{"column", c.column}, {"expected", c.expected}, {"actual", c.actual}};
}
inline void tag_invoke(json::value_from_tag, json::value& v, const row_change& c) {
    v = {{"command_name", c.command_name}, {"columns", json::value_from(c.columns, v.storage())}};
}
inline void tag_invoke(json::value_from_tag, json::value& v, const catalog_diff& d) {
    v = {{"missing", json::value_from(d.missing, v.storage())},
         {"extra", json::value_from(d.extra, v.storage())},
         {"changed", json::value_from(d.changed, v.storage())},
         {"equal", d.empty()}};
}

} // namespace iucore
