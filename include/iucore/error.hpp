#pragma once
// Errors: an iucore error category for std::error_code, and a failure value that carries the
// code plus a message naming the offending input and what was expected.

#include <boost/outcome/result.hpp>
#include <boost/outcome/try.hpp>

#include <string>
#include <system_error>
#include <utility>

namespace iucore {

enum class errc {
    ok = 0,
    invalid_argument = 1,   // bad input from a caller: names the input and what was expected
    invalid_definition = 2, // a definition file or value that does not hold together
    refused = 3,            // a guard, gate or check said no; nothing was changed
    check_failed = 4,       // a verification or pin check found a difference
    drift = 5,              // the database holds a migration whose checksum no longer matches
    database = 6,           // the server reported an error
    connection = 7,         // could not reach or lost the server
    io = 8,                 // reading or writing a file
    internal = 9,           // a bug: an exception caught at a boundary
};

class error_category_impl final : public std::error_category {
  public:
    const char* name() const noexcept override { return "iucore"; }
    std::string message(int code) const override {
        switch (static_cast<errc>(code)) {
        case errc::ok:
            return "ok";
        case errc::invalid_argument:
            return "invalid argument";
        case errc::invalid_definition:
            return "invalid definition";
        case errc::refused:
            return "refused";
        case errc::check_failed:
            return "check failed";
        case errc::drift:
            return "drift";
        case errc::database:
            return "database error";
        case errc::connection:
            return "connection error";
        case errc::io:
            return "i/o error";
        case errc::internal:
            return "internal error";
        }
        return "unknown iucore error";
    }
};

inline const std::error_category& error_category() noexcept {
    static const error_category_impl instance;
    return instance;
}

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

/// What went wrong: a code for machines and a message for people. A failure the server reported
/// also carries its diagnostics (PQresultErrorField), so a host can act on them without parsing
/// the message; each is empty when the server gave none or the failure is not the server's.
struct failure {
    std::error_code code;
    std::string message;
    std::string sqlstate; // e.g. "23505"
    std::string detail;   // the server's DETAIL (e.g. which key already exists)
    std::string hint;     // the server's HINT

    friend bool operator==(const failure&, const failure&) = default;
};

/// Lets Outcome treat a failure like an error_code (for its default throwing policy).
inline std::error_code make_error_code(const failure& f) noexcept {
    return f.code;
}

/// Outcome calls this (by ADL) when value() is read from a failed result: the message travels
/// with the exception so a caller that chose to throw still learns what was wrong.
[[noreturn]] inline void outcome_throw_as_system_error_with_payload(const failure& f) {
    throw std::system_error(f.code, f.message);
}

template <class T>
using result = boost::outcome_v2::result<T, failure>;

inline failure fail(errc code, std::string message) {
    failure f;
    f.code = make_error_code(code);
    f.message = std::move(message);
    return f;
}

/// The errc of a failure when it is ours, else errc::internal.
inline errc code_of(const failure& f) noexcept {
    return f.code.category() == error_category() ? static_cast<errc>(f.code.value())
                                                 : errc::internal;
}

} // namespace iucore

template <>
struct std::is_error_code_enum<iucore::errc> : std::true_type {};
