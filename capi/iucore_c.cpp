// The C ABI over the C++ API: converts C strings and JSON text to value types, calls the core or
// the engine, converts the result back. No logic of its own lives here (design rule: anything a
// host needs that is not one call away belongs in the C++ library).

#include "iucore.h"

#include <iucore/definition.hpp>
#include <iucore/detail/json_text.hpp>
#include <iucore/engine/commands.hpp>
#include <iucore/engine/files.hpp>
#include <iucore/engine/lifecycle.hpp>
#include <iucore/plan.hpp>
#include <iucore/render.hpp>
#include <iucore/reports.hpp>
#include <iucore/sql_text.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#ifndef IUCORE_BUILD_VERSION
#error "IUCORE_BUILD_VERSION (the project version) must be defined by the build"
#endif
static_assert(std::string_view(IUCORE_VERSION_STRING) == IUCORE_BUILD_VERSION,
              "capi/iucore.h IUCORE_VERSION_STRING disagrees with the project version");
static_assert(std::string_view(IUCORE_REPORT_FORMAT) == iucore::report_format,
              "capi/iucore.h IUCORE_REPORT_FORMAT disagrees with iucore::report_format");

namespace json = boost::json;

// The handles: a magic number first (checked on every call), then the C++ object. Both are
// standard-layout so the magic can be read through a pointer of either kind.
struct iucore_definition {
    std::uint32_t magic;
    struct state {
        iucore::definition value;
        std::string path; // the file it was loaded from; empty for JSON text
    };
    state* impl; // owned; a raw pointer keeps the handle standard-layout under every compiler
    ~iucore_definition() { delete impl; }
};

struct iucore_session {
    std::uint32_t magic;
    struct state {
        iucore::session value;
        std::string conninfo; // what iucore_session_reset connects with again
        iucore::connection_options options;
    };
    state* impl; // owned, as above
    ~iucore_session() { delete impl; }
};

static_assert(std::is_standard_layout_v<iucore_definition>);
static_assert(std::is_standard_layout_v<iucore_session>);

namespace {

constexpr std::uint32_t definition_magic = 0x49554446; // "IUDF"
constexpr std::uint32_t session_magic = 0x49555353;    // "IUSS"
constexpr std::uint32_t dead_magic = 0xDEADD00D;

// ---- the per-thread last error --------------------------------------------------------------

/// What the server said beside its message, when the failure is the server's (else empty).
struct server_diagnostics {
    std::string sqlstate;
    std::string detail;
    std::string hint;
};

struct last_error_state {
    int code = IUCORE_OK;
    std::string message;
    std::string path; // the JSON path of the offending input, when the C ABI knows it
    server_diagnostics server;
    std::string json; // iucore_last_error_json's text, built when first asked for
    bool json_built = false;
};

thread_local last_error_state last_error;

int record(int code, std::string_view message, std::string_view path = {},
           const server_diagnostics& server = {}) noexcept {
    last_error.code = code;
    last_error.json_built = false;
    last_error.message.clear();
    last_error.path.clear();
    last_error.server.sqlstate.clear();
    last_error.server.detail.clear();
    last_error.server.hint.clear();
    try {
        last_error.message.assign(message);
        last_error.path.assign(path);
        last_error.server.sqlstate.assign(server.sqlstate);
        last_error.server.detail.assign(server.detail);
        last_error.server.hint.assign(server.hint);
    } catch (...) {
        // Out of memory while recording: the code alone must do.
    }
    return code;
}

const char* status_name(int code) noexcept {
    switch (code) {
    case IUCORE_OK:
        return "IUCORE_OK";
    case IUCORE_E_INVALID_ARGUMENT:
        return "IUCORE_E_INVALID_ARGUMENT";
    case IUCORE_E_DEFINITION:
        return "IUCORE_E_DEFINITION";
    case IUCORE_E_REFUSED:
        return "IUCORE_E_REFUSED";
    case IUCORE_E_CHECK_FAILED:
        return "IUCORE_E_CHECK_FAILED";
    case IUCORE_E_DRIFT:
        return "IUCORE_E_DRIFT";
    case IUCORE_E_DATABASE:
        return "IUCORE_E_DATABASE";
    case IUCORE_E_CONNECTION:
        return "IUCORE_E_CONNECTION";
    case IUCORE_E_IO:
        return "IUCORE_E_IO";
    case IUCORE_E_INTERNAL:
        return "IUCORE_E_INTERNAL";
    case IUCORE_E_NULL_POINTER:
        return "IUCORE_E_NULL_POINTER";
    case IUCORE_E_INVALID_UTF8:
        return "IUCORE_E_INVALID_UTF8";
    case IUCORE_E_BAD_HANDLE:
        return "IUCORE_E_BAD_HANDLE";
    case IUCORE_E_JSON:
        return "IUCORE_E_JSON";
    }
    return "IUCORE_E_UNKNOWN";
}

// ---- echoed inputs --------------------------------------------------------------------------

/// How much of one input a message may show.
constexpr std::size_t echo_limit = 200;
/// The longest message (after the inputs are cut, a longer one is cut to this).
constexpr std::size_t message_limit = 4096;

/// The first `limit` bytes of `s` or fewer, ending on a UTF-8 sequence boundary.
std::string_view utf8_prefix(std::string_view s, std::size_t limit) {
    if (s.size() <= limit) return s;
    std::size_t n = limit;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
        --n;
    return s.substr(0, n);
}

/// `s` as a message shows it: whole up to echo_limit bytes, else cut, with its full length.
std::string shown(std::string_view s) {
    if (s.size() <= echo_limit) return std::string(s);
    return std::string(utf8_prefix(s, echo_limit)) + "... (" + std::to_string(s.size()) +
           " bytes in all)";
}

/// The inputs of the call in progress on this thread longer than echo_limit: a message that
/// echoes one (the C++ API names the offending input) shows it cut. Views of the caller's
/// strings and of the call's own locals, valid while the call's body runs.
thread_local std::vector<std::string_view> long_inputs;

void note_input(std::string_view s) {
    if (s.size() > echo_limit) long_inputs.push_back(s);
}

/// `message` with every long input of this call cut: an input echoed whole is cut to its first
/// echo_limit bytes and its length; an input the C++ API already cut (its first bytes then
/// "...") gets its length added. Then the whole message is bounded.
std::string cut_echoes(std::string message) {
    for (const auto input : long_inputs) {
        const auto head = utf8_prefix(input, echo_limit);
        const auto length = " (" + std::to_string(input.size()) + " bytes in all)";
        for (auto at = message.find(head); at != std::string::npos;
             at = message.find(head, at + 1)) {
            const auto rest = std::string_view(message).substr(at);
            if (rest.starts_with(input)) {
                message.replace(at, input.size(), std::string(head) + "..." + length);
                at += head.size() + 3 + length.size() - 1;
            } else if (rest.substr(head.size()).starts_with("...")) {
                auto end = at + head.size() + 3;
                if (end < message.size() && message[end] == '"') ++end; // a quoted echo
                if (!std::string_view(message).substr(end).starts_with(length)) {
                    message.insert(end, length);
                    at = end + length.size() - 1;
                }
            }
        }
    }
    if (message.size() > message_limit) // the note is at most 48 bytes
        message = std::string(utf8_prefix(message, message_limit - 48)) + "... (message of " +
                  std::to_string(message.size()) + " bytes cut)";
    return message;
}

/// A failure raised inside an entry point, caught at the boundary by `guarded`.
struct api_error {
    int code;
    std::string message;
    std::string path; // the JSON path of the offending input, when known
    server_diagnostics server;
};

[[noreturn]] void raise(int code, std::string message, std::string path = {},
                        server_diagnostics server = {}) {
    throw api_error{code, cut_echoes(std::move(message)), std::move(path), std::move(server)};
}

/// The JSON path a definition error names ("... $.migrations[1].id: ...").
std::string_view json_path_in(std::string_view message) {
    for (auto at = message.find('$'); at != std::string_view::npos;
         at = message.find('$', at + 1)) {
        if (at + 1 < message.size() && message[at + 1] != '.' && message[at + 1] != '[') continue;
        if (at > 0 && message[at - 1] != ' ') continue;
        auto end = at + 1;
        while (end < message.size() && message[end] != ':' && message[end] != ' ' &&
               message[end] != ',')
            ++end;
        return message.substr(at, end - at);
    }
    return {};
}

/// iucore_last_error_json's object for this thread's last error.
std::string last_error_json_text() {
    const auto& e = last_error;
    json::object o;
    o["code"] = e.code;
    o["code_name"] = status_name(e.code);
    o["message"] = e.message;
    const auto text_or_null = [](const std::string& s) {
        return s.empty() ? json::value(nullptr) : json::value(json::string(s));
    };
    o["sqlstate"] = text_or_null(e.server.sqlstate);
    o["detail"] = text_or_null(e.server.detail);
    o["hint"] = text_or_null(e.server.hint);
    std::string_view path = e.path;
    if (path.empty() && e.code == IUCORE_E_DEFINITION) path = json_path_in(e.message);
    o["path"] = path.empty() ? json::value(nullptr) : json::value(json::string(path));
    return json::serialize(o);
}

int status_of(iucore::errc e) noexcept {
    switch (e) {
    case iucore::errc::ok:
        return IUCORE_OK;
    case iucore::errc::invalid_argument:
        return IUCORE_E_INVALID_ARGUMENT;
    case iucore::errc::invalid_definition:
        return IUCORE_E_DEFINITION;
    case iucore::errc::refused:
        return IUCORE_E_REFUSED;
    case iucore::errc::check_failed:
        return IUCORE_E_CHECK_FAILED;
    case iucore::errc::drift:
        return IUCORE_E_DRIFT;
    case iucore::errc::database:
        return IUCORE_E_DATABASE;
    case iucore::errc::connection:
        return IUCORE_E_CONNECTION;
    case iucore::errc::io:
        return IUCORE_E_IO;
    case iucore::errc::internal:
        return IUCORE_E_INTERNAL;
    }
    return IUCORE_E_INTERNAL;
}

/// The value of a C++ result, or an api_error with the mapped code and the C++ message.
template <class T>
T unwrap(iucore::result<T>&& r) {
    if (!r) {
        auto& f = r.error();
        // The server's detail may echo an input (a key's value): cut like the message.
        raise(status_of(iucore::code_of(f)), std::move(f.message), {},
              {std::move(f.sqlstate), cut_echoes(std::move(f.detail)),
               cut_echoes(std::move(f.hint))});
    }
    if constexpr (!std::is_void_v<T>) return std::move(r).value();
}

/// The one boundary every entry point goes through: runs `body`, records the outcome as this
/// thread's last error, and never lets an exception out.
template <class Body>
int guarded(Body&& body) noexcept {
    long_inputs.clear();
    try {
        body();
        return record(IUCORE_OK, {});
    } catch (const api_error& e) {
        return record(e.code, e.message, e.path, e.server);
    } catch (const std::bad_alloc&) {
        return record(IUCORE_E_INTERNAL, "internal error: out of memory");
    } catch (const std::exception& e) {
        return record(IUCORE_E_INTERNAL, std::string("internal error: ") + e.what());
    } catch (...) {
        return record(IUCORE_E_INTERNAL, "internal error: unknown exception");
    }
}

// ---- parameters -----------------------------------------------------------------------------

/// An out parameter: must not be NULL; cleared to NULL before any other check.
template <class T>
T** out_param(T** out, const char* name) {
    if (!out) raise(IUCORE_E_NULL_POINTER, std::string(name) + " is NULL");
    *out = nullptr;
    return out;
}

/// A string parameter: NULL is an error unless `optional` (then nullopt); must be UTF-8.
std::optional<std::string_view> text_param(const char* s, const char* name, bool optional) {
    if (!s) {
        if (optional) return std::nullopt;
        raise(IUCORE_E_NULL_POINTER, std::string(name) + " is NULL");
    }
    std::string_view view(s);
    note_input(view);
    if (!iucore::is_valid_utf8(view))
        raise(IUCORE_E_INVALID_UTF8, std::string(name) + " is not valid UTF-8");
    return view;
}

std::string required(const char* s, const char* name) {
    return std::string(*text_param(s, name, false));
}

std::string optional_or_empty(const char* s, const char* name) {
    return std::string(text_param(s, name, true).value_or(std::string_view{}));
}

template <class Handle>
Handle* checked(Handle* h, std::uint32_t magic, const char* name) {
    if (!h) raise(IUCORE_E_BAD_HANDLE, std::string(name) + " is NULL (destroyed or never created)");
    std::uint32_t seen = 0;
    std::memcpy(&seen, static_cast<const void*>(h), sizeof seen);
    if (seen != magic || !h->impl)
        raise(IUCORE_E_BAD_HANDLE, std::string(name) + " is not a valid " + name + " handle");
    return h;
}

const iucore_definition::state& definition_of(const iucore_definition* d) {
    return *checked(d, definition_magic, "definition")->impl;
}

iucore::session& session_of(iucore_session* s) {
    return checked(s, session_magic, "session")->impl->value;
}

/// JSON text of a parameter: valid UTF-8 and valid JSON, else IUCORE_E_JSON.
std::optional<json::value> json_param(const char* s, const char* name,
                                      json::storage_ptr storage = {}) {
    const auto text = text_param(s, name, true);
    if (!text) return std::nullopt;
    auto v = iucore::parse_json_text(*text, name, std::move(storage));
    if (!v) raise(IUCORE_E_JSON, v.error().message, name);
    return std::move(v).value();
}

[[noreturn]] void wrong_shape(const std::string& path, std::string_view expected) {
    raise(IUCORE_E_JSON, path + ": expected " + std::string(expected), path);
}

/// `["key=value", …]` (NULL: no arguments).
std::vector<std::string> tokens_param(const char* s) {
    std::vector<std::string> out;
    // Read once and dropped: parsed into an arena on the stack (explain and run are hot paths).
    std::array<unsigned char, 4096> buffer;
    json::monotonic_resource arena(buffer.data(), buffer.size());
    const auto v = json_param(s, "args_json", &arena);
    if (!v) return out;
    if (!v->is_array()) wrong_shape("args_json", "an array of \"key=value\" strings");
    out.reserve(v->as_array().size());
    for (std::size_t i = 0; i < v->as_array().size(); ++i) {
        const auto& item = v->as_array()[i];
        if (!item.is_string())
            wrong_shape("args_json[" + std::to_string(i) + "]", "a \"key=value\" string");
        out.emplace_back(item.as_string());
    }
    for (const auto& token : out) // their addresses stay put when the vector is returned
        note_input(token);
    return out;
}

/// Reads the members of a JSON options object; unknown members are errors.
class options_reader {
  public:
    /// Keeps the parsed value: the reader points into it.
    options_reader(std::optional<json::value> v, std::string name)
        : value_(std::move(v)), name_(std::move(name)) {
        if (!value_) return;
        if (!value_->is_object()) wrong_shape(name_, "an object");
        object_ = &value_->as_object();
    }
    options_reader(const options_reader&) = delete;
    options_reader& operator=(const options_reader&) = delete;
    void boolean(std::string_view key, bool& out) {
        if (const auto* m = member(key)) {
            if (!m->is_bool()) wrong_shape(name_ + "." + std::string(key), "a boolean");
            out = m->as_bool();
        }
    }
    /// A whole number of milliseconds, 0 or more (0: wait forever).
    void milliseconds(std::string_view key, std::chrono::milliseconds& out) {
        if (const auto* m = member(key)) {
            constexpr std::int64_t most = 2147483647; // PostgreSQL's limit for the settings
            const bool whole = m->is_int64() || m->is_uint64();
            const auto n = m->is_int64() ? m->as_int64() : most + 1;
            if (!whole || n < 0 || n > most)
                wrong_shape(name_ + "." + std::string(key),
                            "a whole number of milliseconds from 0 to 2147483647");
            out = std::chrono::milliseconds(n);
        }
    }
    void string(std::string_view key, std::string& out) {
        if (const auto* m = member(key)) {
            if (!m->is_string()) wrong_shape(name_ + "." + std::string(key), "a string");
            out = std::string(m->as_string());
        }
    }
    void finish(std::string_view known) const {
        if (!object_) return;
        for (const auto& [key, value] : *object_)
            if (std::find(seen_.begin(), seen_.end(), key) == seen_.end())
                raise(IUCORE_E_JSON,
                      name_ + ": unknown member \"" + shown(key) +
                          "\" (known: " + std::string(known) + ")",
                      name_ + "." + shown(key));
    }

  private:
    const json::value* member(std::string_view key) {
        seen_.emplace_back(key);
        return object_ ? object_->if_contains(key) : nullptr;
    }
    std::optional<json::value> value_;
    std::string name_;
    const json::object* object_ = nullptr;
    std::vector<std::string> seen_;
};

// ---- results --------------------------------------------------------------------------------

/// Writes a report (anything with a value_from conversion) as JSON text to `out`.
template <class Report>
void emit(char** out, const Report& report) {
    // The tree lives only until it is serialised: built in an arena (on the stack for a plan) it
    // costs no allocation per node and nothing to destroy. Explain is a host's hot path.
    std::array<unsigned char, 16 * 1024> buffer;
    json::monotonic_resource arena(buffer.data(), buffer.size());
    const auto tree = iucore::report_json(report, &arena);
    // Serialised straight into the block the caller frees: no std::string and no copy of it.
    json::serializer writer;
    writer.reset(&tree);
    iucore::json_text text;
    constexpr std::size_t piece = 4096;
    while (!writer.done())
        text.commit(writer.read(text.reserve(piece), piece).size());
    *out = text.release();
}

/// A report that describes its members (a plan) is written as text directly, with no tree, into
/// the block the caller frees.
template <class Report>
requires iucore::detail::has_json_members<Report>
void emit(char** out, const Report& report) {
    iucore::json_text text;
    iucore::append_json_text(text, report);
    *out = text.release();
}

/// The three render entry points share their shape.
template <class Render>
int render_entry(char** out_json, const iucore_definition* definition, const char* target,
                 const char* target_name, bool target_optional, Render render) {
    return guarded([&] {
        out_param(out_json, "out_json");
        const auto& d = definition_of(definition);
        const auto id = target_optional ? optional_or_empty(target, target_name)
                                        : required(target, target_name);
        emit(out_json, unwrap(render(d.value, id)));
    });
}

/// Every session operation that is one call of the C++ API and one report.
template <class Operation>
int session_entry(char** out_json, iucore_session* session, const iucore_definition* definition,
                  Operation operation) {
    return guarded([&] {
        out_param(out_json, "out_json");
        auto& s = session_of(session);
        const auto& d = definition_of(definition);
        emit(out_json, unwrap(operation(s, d.value)));
    });
}

} // namespace

// ---- library, errors, memory ----------------------------------------------------------------

extern "C" {

IUCORE_API const char* iucore_version(void) {
    return IUCORE_BUILD_VERSION;
}

IUCORE_API int iucore_abi_version(void) {
    return IUCORE_ABI_VERSION;
}

IUCORE_API int iucore_last_error_code(void) {
    return last_error.code;
}

IUCORE_API const char* iucore_last_error_message(void) {
    return last_error.message.c_str();
}

IUCORE_API const char* iucore_last_error_json(void) {
    if (!last_error.json_built) {
        try {
            last_error.json = last_error_json_text();
        } catch (...) {
            return R"({"code":-9,"code_name":"IUCORE_E_INTERNAL","message":)"
                   R"("internal error: out of memory","sqlstate":null,)"
                   R"("detail":null,"hint":null,"path":null})";
        }
        last_error.json_built = true;
    }
    return last_error.json.c_str();
}

IUCORE_API const char* iucore_status_name(int code) {
    return status_name(code);
}

IUCORE_API void iucore_free(void* p) {
    iucore::detail::text_blocks::release(static_cast<char*>(p));
}

// ---- definitions ----------------------------------------------------------------------------

IUCORE_API int iucore_definition_load_file(iucore_definition** out, const char* path) {
    return guarded([&] {
        out_param(out, "out");
        const auto file = required(path, "path");
        auto state = std::make_unique<iucore_definition::state>();
        state->value = unwrap(iucore::load_definition_file(file));
        state->path = file;
        *out = new iucore_definition{definition_magic, state.release()};
    });
}

IUCORE_API int iucore_definition_load_json(iucore_definition** out, const char* json_text,
                                           const char* source) {
    return guarded([&] {
        out_param(out, "out");
        const auto text = required(json_text, "json_text");
        auto name = optional_or_empty(source, "source");
        if (name.empty()) name = "<json>";
        // The C++ parser reports malformed JSON as an invalid definition; the C ABI tells the
        // two apart, so check the syntax first.
        if (auto syntax = iucore::parse_json_text(text, name); !syntax)
            raise(IUCORE_E_JSON, syntax.error().message);
        auto state = std::make_unique<iucore_definition::state>();
        state->value = unwrap(iucore::parse_definition(text, name));
        *out = new iucore_definition{definition_magic, state.release()};
    });
}

IUCORE_API int iucore_definition_destroy(iucore_definition** definition) {
    return guarded([&] {
        if (!definition || !*definition) return;
        checked(*definition, definition_magic, "definition");
        (*definition)->magic = dead_magic;
        delete *definition;
        *definition = nullptr;
    });
}

IUCORE_API int iucore_definition_json(char** out_json, const iucore_definition* definition) {
    return guarded([&] {
        out_param(out_json, "out_json");
        emit(out_json, definition_of(definition).value);
    });
}

IUCORE_API int iucore_figures(char** out_json, const iucore_definition* definition,
                              const char* version) {
    return guarded([&] {
        out_param(out_json, "out_json");
        const auto& d = definition_of(definition).value;
        auto v = optional_or_empty(version, "version");
        emit(out_json, unwrap(d.figures_at(v.empty() ? d.latest_version() : v)));
    });
}

IUCORE_API int iucore_catalog(char** out_json, const iucore_definition* definition,
                              const char* version) {
    return guarded([&] {
        out_param(out_json, "out_json");
        const auto& d = definition_of(definition).value;
        auto v = optional_or_empty(version, "version");
        emit(out_json, unwrap(d.catalog_at(v.empty() ? d.latest_version() : v)));
    });
}

IUCORE_API int iucore_render_forward(char** out_json, const iucore_definition* definition,
                                     const char* migration_id) {
    return render_entry(out_json, definition, migration_id, "migration_id", false,
                        [](const iucore::definition& d, const std::string& id) {
                            return iucore::render_forward(d, id);
                        });
}

IUCORE_API int iucore_render_rollback(char** out_json, const iucore_definition* definition,
                                      const char* migration_id) {
    return render_entry(out_json, definition, migration_id, "migration_id", false,
                        [](const iucore::definition& d, const std::string& id) {
                            return iucore::render_rollback(d, id);
                        });
}

IUCORE_API int iucore_render_seed(char** out_json, const iucore_definition* definition,
                                  const char* version) {
    return render_entry(out_json, definition, version, "version", true,
                        [](const iucore::definition& d, const std::string& v) {
                            return iucore::render_seed(d, v);
                        });
}

IUCORE_API int iucore_pins(char** out_json, const iucore_definition* definition, int check,
                           const char* base_dir) {
    return guarded([&] {
        out_param(out_json, "out_json");
        const auto& d = definition_of(definition);
        auto dir = optional_or_empty(base_dir, "base_dir");
        if (!base_dir) dir = std::filesystem::path(d.path).parent_path().string();
        if (dir.empty()) dir = ".";
        emit(out_json, unwrap(iucore::pins(d.value, check != 0, dir)));
    });
}

IUCORE_API int iucore_explain(char** out_json, iucore_session* session,
                              const iucore_definition* definition, const char* command,
                              const char* args_json) {
    return guarded([&] {
        out_param(out_json, "out_json");
        iucore::session* s = session ? &session_of(session) : nullptr;
        const auto& d = definition_of(definition).value;
        const auto name = required(command, "command");
        const auto tokens = tokens_param(args_json);
        emit(out_json, unwrap(s ? iucore::explain_live(*s, d, name, tokens)
                                : iucore::explain(d, name, tokens)));
    });
}

// ---- sessions -------------------------------------------------------------------------------

IUCORE_API int iucore_session_open_with(iucore_session** out, const char* conninfo,
                                        const char* options_json) {
    return guarded([&] {
        out_param(out, "out");
        auto info = optional_or_empty(conninfo, "conninfo");
        iucore::connection_options options;
        options_reader reader(json_param(options_json, "options_json"), "options_json");
        reader.string("application_name", options.application_name);
        reader.milliseconds("lock_timeout_ms", options.lock_timeout);
        reader.milliseconds("statement_timeout_ms", options.statement_timeout);
        reader.finish("application_name, lock_timeout_ms, statement_timeout_ms");
        auto s = unwrap(iucore::session::connect(info, options));
        auto st = std::make_unique<iucore_session::state>(
            iucore_session::state{std::move(s), std::move(info), std::move(options)});
        *out = new iucore_session{session_magic, st.release()};
    });
}

IUCORE_API int iucore_session_open(iucore_session** out, const char* conninfo) {
    return iucore_session_open_with(out, conninfo, nullptr);
}

IUCORE_API int iucore_session_cancel(const iucore_session* session) {
    // No last error and no allocation: this may run in a signal handler.
    if (!session) return IUCORE_E_BAD_HANDLE;
    std::uint32_t seen = 0;
    std::memcpy(&seen, static_cast<const void*>(session), sizeof seen);
    if (seen != session_magic || !session->impl) return IUCORE_E_BAD_HANDLE;
    session->impl->value.cancel();
    return IUCORE_OK;
}

IUCORE_API int iucore_session_reset(iucore_session* session) {
    return guarded([&] {
        checked(session, session_magic, "session");
        auto& st = *session->impl;
        st.value = unwrap(iucore::session::connect(st.conninfo, st.options));
    });
}

IUCORE_API int iucore_session_close(iucore_session** session) {
    return guarded([&] {
        if (!session || !*session) return;
        checked(*session, session_magic, "session");
        (*session)->magic = dead_magic;
        delete *session;
        *session = nullptr;
    });
}

// ---- the migration lifecycle ----------------------------------------------------------------

IUCORE_API int iucore_apply(char** out_json, iucore_session* session,
                            const iucore_definition* definition, const char* migration_id,
                            const char* options_json) {
    return guarded([&] {
        out_param(out_json, "out_json");
        auto& s = session_of(session);
        const auto& d = definition_of(definition).value;
        const auto id = required(migration_id, "migration_id");
        iucore::apply_options options;
        options_reader reader(json_param(options_json, "options_json"), "options_json");
        reader.boolean("dry_run", options.dry_run);
        reader.string("applied_by", options.applied_by);
        reader.finish("dry_run, applied_by");
        emit(out_json, unwrap(iucore::apply(s, d, id, options)));
    });
}

IUCORE_API int iucore_verify(char** out_json, iucore_session* session,
                             const iucore_definition* definition, const char* version) {
    return guarded([&] {
        out_param(out_json, "out_json");
        auto& s = session_of(session);
        const auto& d = definition_of(definition).value;
        emit(out_json, unwrap(iucore::verify(s, d, optional_or_empty(version, "version"))));
    });
}

IUCORE_API int iucore_rollback(char** out_json, iucore_session* session,
                               const iucore_definition* definition, const char* migration_id) {
    return guarded([&] {
        out_param(out_json, "out_json");
        auto& s = session_of(session);
        const auto& d = definition_of(definition).value;
        emit(out_json, unwrap(iucore::rollback(s, d, required(migration_id, "migration_id"))));
    });
}

IUCORE_API int iucore_prove(char** out_json, const char* conninfo,
                            const iucore_definition* definition, const char* migration_id) {
    return guarded([&] {
        out_param(out_json, "out_json");
        const auto info = optional_or_empty(conninfo, "conninfo");
        const auto& d = definition_of(definition).value;
        emit(out_json, unwrap(iucore::prove(info, d, required(migration_id, "migration_id"))));
    });
}

IUCORE_API int iucore_diff(char** out_json, iucore_session* session,
                           const iucore_definition* definition) {
    return session_entry(
        out_json, session, definition,
        [](iucore::session& s, const iucore::definition& d) { return iucore::diff_live(s, d); });
}

IUCORE_API int iucore_surface(char** out_json, iucore_session* session,
                              const iucore_definition* definition) {
    return session_entry(
        out_json, session, definition,
        [](iucore::session& s, const iucore::definition& d) { return iucore::surface_live(s, d); });
}

IUCORE_API int iucore_status(char** out_json, iucore_session* session,
                             const iucore_definition* definition) {
    return session_entry(
        out_json, session, definition,
        [](iucore::session& s, const iucore::definition& d) { return iucore::status(s, d); });
}

IUCORE_API int iucore_snapshot(char** out_json, iucore_session* session,
                               const iucore_definition* definition) {
    return session_entry(
        out_json, session, definition,
        [](iucore::session& s, const iucore::definition& d) { return iucore::snapshot(s, d); });
}

// ---- governed DOT commands ------------------------------------------------------------------

IUCORE_API int iucore_gates(char** out_json, iucore_session* session,
                            const iucore_definition* definition) {
    return session_entry(
        out_json, session, definition,
        [](iucore::session& s, const iucore::definition& d) { return iucore::gates_live(s, d); });
}

IUCORE_API int iucore_run(char** out_json, iucore_session* session,
                          const iucore_definition* definition, const char* command,
                          const char* args_json, const char* actor) {
    return guarded([&] {
        out_param(out_json, "out_json");
        auto& s = session_of(session);
        const auto& d = definition_of(definition).value;
        const auto name = required(command, "command");
        const auto tokens = tokens_param(args_json);
        // NULL or empty: the run log records the session's current_user.
        const auto who = text_param(actor, "actor", true).value_or(std::string_view());
        emit(out_json, unwrap(iucore::run_command(s, d, name, tokens, who)));
    });
}

IUCORE_API int iucore_promote(char** out_json, iucore_session* session,
                              const iucore_definition* definition, const char* options_json,
                              const char* write_path) {
    return guarded([&] {
        if (out_json) *out_json = nullptr;
        if (!out_json && !write_path)
            raise(IUCORE_E_NULL_POINTER, "out_json and write_path are both NULL (give either)");
        auto& s = session_of(session);
        const auto& d = definition_of(definition).value;
        const auto path = text_param(write_path, "write_path", true);
        iucore::promote_options options;
        if (!options_json) raise(IUCORE_E_NULL_POINTER, "options_json is NULL");
        options_reader reader(json_param(options_json, "options_json"), "options_json");
        reader.string("function", options.function);
        reader.string("command", options.command);
        reader.string("category", options.category);
        reader.boolean("mutating", options.mutating);
        reader.boolean("reversible", options.reversible);
        reader.string("migration", options.migration);
        reader.finish("function, command, category, mutating, reversible, migration");
        if (options.function.empty() || options.command.empty() || options.category.empty())
            wrong_shape("options_json", "non-empty \"function\", \"command\" and \"category\"");
        const auto promoted = unwrap(
            iucore::promote_and_save(s, d, options, path ? std::string(*path) : std::string()));
        if (!out_json) return;
        emit(out_json, promoted);
    });
}

} // extern "C"
