#pragma once
// One description of a value type's JSON object, two ways out: a Boost.JSON tree (value_from)
// and JSON text written directly, with no tree in between (the C ABI's hot path: explain).
//
// A type opts in with `template <class Out> void json_members(Out& out, const T& x)`, found by
// argument-dependent lookup, which calls `out(key, value)` once per member, in order. Members
// may be conditional; values may be computed. Both outputs read that one function, so the tree
// and the text cannot disagree.

#include <iucore/detail/json_io.hpp>
#include <iucore/detail/json_text.hpp>

#include <array>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace iucore {

namespace detail {

/// The escape of each byte: 0 for none, the letter of a two-character escape, or 'u' for \u00XX.
inline constexpr auto json_escapes = [] {
    std::array<char, 256> table{};
    for (int c = 0; c < 0x20; ++c)
        table[static_cast<std::size_t>(c)] = 'u';
    table['"'] = '"';
    table['\\'] = '\\';
    table['\b'] = 'b';
    table['\f'] = 'f';
    table['\n'] = 'n';
    table['\r'] = 'r';
    table['\t'] = 't';
    return table;
}();

/// A member's name: a literal, checked when compiled to need no escape in JSON, so the text
/// writer copies it as it is.
class json_key {
  public:
    template <std::size_t N>
    consteval json_key(const char (&literal)[N]) : name_(literal, N - 1) { // NOLINT: implicit
        for (const char c : name_)
            if (json_escapes[static_cast<unsigned char>(c)] != 0)
                throw "a json_members key must be plain text that JSON does not escape";
    }
    constexpr std::string_view name() const { return name_; }

  private:
    std::string_view name_;
};

/// Accepts any member: used only to detect whether a type describes its members.
struct member_probe {
    template <class Value>
    member_probe& operator()(json_key, const Value&) {
        return *this;
    }
};

template <class T>
concept has_json_members = requires(member_probe& probe, const T& x) {
    json_members(probe, x);
};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
concept string_like = std::is_convertible_v<const T&, std::string_view>;

template <class T>
concept named_enum = std::is_enum_v<T> && requires(T e) {
    { name(e) } -> std::convertible_to<std::string_view>;
};

template <class T>
concept json_sequence = !string_like<T> && requires(const T& r) {
    r.begin();
    r.end();
};

// ---- the tree ---------------------------------------------------------------------------------

template <class Value>
json::value tree_of(const Value& v, const json::storage_ptr& storage) {
    if constexpr (is_optional<Value>::value)
        return v ? tree_of(*v, storage) : json::value(nullptr, storage);
    else if constexpr (string_like<Value>)
        return json::value(json::string_view(std::string_view(v)), storage);
    else
        return json::value_from(v, storage);
}

/// Members put into a Boost.JSON object, each built in the object's storage.
class tree_members {
  public:
    explicit tree_members(json::object& o) : object_(o) {}
    template <class Value>
    tree_members& operator()(json_key key, const Value& value) {
        object_.emplace(key.name(), tree_of(value, object_.storage()));
        return *this;
    }

  private:
    json::object& object_;
};

// ---- the text ---------------------------------------------------------------------------------

/// Whether any of the 8 bytes in `w` is a control character, '"' or '\\' (bytes of
/// multi-byte UTF-8 are not): eight bytes per test, since explain's text is mostly plain.
constexpr bool word_needs_escape(std::uint64_t w) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL, high_bits = 0x8080808080808080ULL;
    const auto any_below = [&](std::uint64_t x, std::uint64_t n) {
        return (x - ones * n) & ~x & high_bits;
    };
    const auto any_equal = [&](std::uint64_t x, std::uint64_t b) {
        return any_below(x ^ (ones * b), 1);
    };
    return (any_below(w, 0x20) | any_equal(w, '"') | any_equal(w, '\\')) != 0;
}

/// A JSON string literal, escaped as Boost.JSON's serializer escapes it. Room for the worst
/// case is reserved once, so the loop writes through a pointer with no per-byte check.
inline void append_json_string(json_text& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    constexpr auto word_size = static_cast<std::ptrdiff_t>(sizeof(std::uint64_t));
    // The worst case, plus a word's slack: a short string is stored as a whole word.
    char* const start = out.reserve(6 * s.size() + 2 + word_size);
    char* w = start;
    *w++ = '"';
    const char* p = s.data();
    const char* const end = p + s.size();
    if (s.size() < sizeof(std::uint64_t)) {
        // Padded with spaces, which need no escape, so one test covers a short string: most of
        // explain's strings are type names and short values.
        std::uint64_t word = 0x2020202020202020ULL;
        std::memcpy(&word, p, s.size());
        if (!word_needs_escape(word)) {
            std::memcpy(w, &word, sizeof word);
            w += s.size();
            p = end;
        }
    }
    while (p != end) {
        std::uint64_t word;
        if (end - p >= word_size) {
            std::memcpy(&word, p, sizeof word);
            if (!word_needs_escape(word)) {
                std::memcpy(w, &word, sizeof word);
                w += word_size;
                p += word_size;
                continue;
            }
        } else if (end - s.data() >= word_size) {
            // The tail as the string's last whole word. If that word needs no escape, the bytes
            // it shares with what came before were copied as they are, so storing it again at
            // the matching place rewrites them unchanged.
            std::memcpy(&word, end - word_size, sizeof word);
            if (!word_needs_escape(word)) {
                const auto tail = end - p;
                std::memcpy(w - (word_size - tail), &word, sizeof word);
                w += tail;
                p = end;
                continue;
            }
        }
        const auto c = static_cast<unsigned char>(*p++);
        const char escape = json_escapes[c];
        if (escape == 0) {
            *w++ = static_cast<char>(c);
        } else if (escape != 'u') {
            *w++ = '\\';
            *w++ = escape;
        } else {
            std::memcpy(w, "\\u00", 4);
            w[4] = hex[c >> 4];
            w[5] = hex[c & 0xf];
            w += 6;
        }
    }
    *w++ = '"';
    out.commit(static_cast<std::size_t>(w - start));
}

template <class Value>
void append_json_value(json_text& out, const Value& v);

/// Members written as `"key":value` pairs between the braces the caller writes.
class text_members {
  public:
    explicit text_members(json_text& out) : out_(out) {}
    template <class Value>
    text_members& operator()(json_key key, const Value& value) {
        const auto name = key.name();
        char* const start = out_.reserve(name.size() + 4);
        char* w = start;
        if (!first_) *w++ = ',';
        *w++ = '"';
        std::memcpy(w, name.data(), name.size());
        w += name.size();
        *w++ = '"';
        *w++ = ':';
        out_.commit(static_cast<std::size_t>(w - start));
        first_ = false;
        append_json_value(out_, value);
        return *this;
    }

  private:
    json_text& out_;
    bool first_ = true;
};

template <class Value>
void append_json_value(json_text& out, const Value& v) {
    if constexpr (is_optional<Value>::value) {
        if (v)
            append_json_value(out, *v);
        else
            out.put("null");
    } else if constexpr (std::is_same_v<Value, bool>) {
        out.put(v ? std::string_view("true") : std::string_view("false"));
    } else if constexpr (std::is_integral_v<Value>) {
        char* const start = out.reserve(24);
        out.commit(static_cast<std::size_t>(std::to_chars(start, start + 24, v).ptr - start));
    } else if constexpr (string_like<Value>) {
        append_json_string(out, std::string_view(v));
    } else if constexpr (named_enum<Value>) {
        append_json_string(out, name(v));
    } else if constexpr (has_json_members<Value>) {
        out.put('{');
        text_members members(out);
        json_members(members, v);
        out.put('}');
    } else if constexpr (json_sequence<Value>) {
        out.put('[');
        bool first = true;
        for (const auto& item : v) {
            if (!first) out.put(',');
            first = false;
            append_json_value(out, item);
        }
        out.put(']');
    } else if constexpr (std::is_same_v<Value, json::value>) {
        out.put(json::serialize(v));
    } else {
        out.put(json::serialize(json::value_from(v)));
    }
}

} // namespace detail

/// Appends `x` as compact JSON text: the same document `json::serialize(json::value_from(x))`
/// gives, written without building the tree.
template <class T>
void append_json_text(json_text& out, const T& x) {
    detail::append_json_value(out, x);
}

template <class T>
std::string to_json_text(const T& x) {
    json_text out;
    append_json_text(out, x);
    return std::string(out.view());
}

/// value_from for every type that describes its members (found by ADL).
template <class T>
requires detail::has_json_members<T>
void tag_invoke(json::value_from_tag, json::value& v, const T& x) {
    detail::tree_members members(v.emplace_object());
    json_members(members, x);
}

} // namespace iucore
