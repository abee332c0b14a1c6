#pragma once
// A fresh PostgreSQL database per test case, on the throwaway cluster of the CTest fixture
// `postgres` (cmake/IucorePostgresFixture.cmake). It is created from $IUCORE_TEST_CONNINFO with
// a unique name, can be loaded with the 033 substrate and seeded with the baseline catalog, and
// is dropped (WITH (FORCE)) when the value goes away. Set IUCORE_KEEP_TEST_DB=1 to keep it.
//
// Failures throw std::runtime_error with the server's message: doctest reports an exception
// escaping a test case as that case's failure.

#include <iucore/definition.hpp>
#include <iucore/engine/session.hpp>
#include <iucore/render.hpp>

#include <libpq-fe.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

#ifndef IUCORE_EXAMPLES_DIR
#error "IUCORE_EXAMPLES_DIR must be defined (the examples/ directory of the source tree)"
#endif

namespace iucore::testing {

/// The value of a result, or a std::runtime_error naming `what` and the failure.
template <class T>
T must(result<T> r, const std::string& what) {
    if (!r) throw std::runtime_error(what + ": " + r.error().message);
    return std::move(r).value();
}

inline void must(result<void> r, const std::string& what) {
    if (!r) throw std::runtime_error(what + ": " + r.error().message);
}

/// The single value of a one-row, one-column query ("" for NULL).
inline std::string scalar(session& s, const std::string& sql,
                          const std::vector<std::optional<std::string>>& params = {}) {
    auto rows = must(s.run_params(sql, params), sql);
    if (rows.rows.size() != 1 || rows.columns.size() != 1)
        throw std::runtime_error("expected one value from: " + sql);
    return rows.rows[0][0].value_or("");
}

/// A one-value query read as a number.
inline std::int64_t number(session& s, const std::string& sql,
                           const std::vector<std::optional<std::string>>& params = {}) {
    return std::stoll(scalar(s, sql, params));
}

inline std::int64_t catalog_rows(session& s) {
    return number(s, "SELECT count(*) FROM public.dot_iu_command_catalog");
}

inline std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

inline std::string examples_path(const std::string& relative) {
    return std::string(IUCORE_EXAMPLES_DIR) + "/" + relative;
}

/// examples/definition/iu_core.json, parsed and validated.
inline definition example_definition() {
    const auto path = examples_path("definition/iu_core.json");
    return must(parse_definition(read_text_file(path), path), "loading " + path);
}

/// A libpq conninfo value in single quotes, `\` and `'` escaped.
/// The example definition, loaded once per test program.
inline const definition& def() {
    static const definition d = example_definition();
    return d;
}

/// What the example definition says 034 does: the tests take their figures from it.
inline const migration_expectations& e034() {
    static const migration_expectations e = must(def().expectations("034"), "expectations 034");
    return e;
}

inline std::string conninfo_quote(const std::string& value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\\' || c == '\'') out += '\\';
        out += c;
    }
    return out + "'";
}

/// `base` (keyword/value or URI conninfo) with its dbname replaced by `dbname`.
inline std::string conninfo_with_dbname(const std::string& base, const std::string& dbname) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(base.c_str(), &error);
    if (!options) {
        std::string message = error ? error : "out of memory";
        if (error) PQfreemem(error);
        throw std::runtime_error("cannot parse conninfo \"" + base + "\": " + message);
    }
    std::string out;
    for (const PQconninfoOption* o = options; o->keyword; ++o) {
        if (!o->val || std::string_view(o->keyword) == "dbname") continue;
        out += std::string(o->keyword) + "=" + conninfo_quote(o->val) + " ";
    }
    PQconninfoFree(options);
    return out + "dbname=" + conninfo_quote(dbname);
}

/// The fixture's connection (to its maintenance database iucore_test).
inline std::string admin_conninfo() {
    const char* conninfo = std::getenv("IUCORE_TEST_CONNINFO");
    if (!conninfo || !*conninfo)
        throw std::runtime_error("IUCORE_TEST_CONNINFO is not set: run through ctest (fixture "
                                 "`postgres`) or cmake/pg_throwaway.sh run -- ...");
    return conninfo;
}

class test_database {
  public:
    /// Creates an empty database named iucore_lt_<pid>_<n>_<tag>.
    explicit test_database(std::string_view tag) {
        static std::atomic<int> counter{0};
        name_ = "iucore_lt_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_";
        for (char c : tag)
            if (name_.size() < 63)
                name_ += (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '_';
        auto admin = must(session::connect(admin_conninfo()), "connecting to the test cluster");
        must(admin.run("CREATE DATABASE " + quoted_name()), "creating database " + name_);
        conninfo_ = conninfo_with_dbname(admin_conninfo(), name_);
    }

    test_database(const test_database&) = delete;
    test_database& operator=(const test_database&) = delete;

    ~test_database() {
        const char* keep = std::getenv("IUCORE_KEEP_TEST_DB");
        if (keep && *keep && std::string_view(keep) != "0") {
            std::fprintf(stderr, "keeping test database %s (%s)\n", name_.c_str(),
                         conninfo_.c_str());
            return;
        }
        auto admin = session::connect(admin_conninfo());
        if (!admin) {
            std::fprintf(stderr, "cannot drop test database %s: %s\n", name_.c_str(),
                         admin.error().message.c_str());
            return;
        }
        auto dropped =
            admin.value().run("DROP DATABASE IF EXISTS " + quoted_name() + " WITH (FORCE)");
        if (!dropped)
            std::fprintf(stderr, "cannot drop test database %s: %s\n", name_.c_str(),
                         dropped.error().message.c_str());
    }

    const std::string& name() const { return name_; }
    const std::string& conninfo() const { return conninfo_; }

    session connect() const { return must(session::connect(conninfo_), "connecting to " + name_); }

    /// examples/substrate/033_substrate.sql (one BEGIN … COMMIT) through session::run.
    void load_substrate() const {
        auto s = connect();
        must(s.run(read_text_file(examples_path("substrate/033_substrate.sql"))),
             "loading the 033 substrate into " + name_);
    }

    /// render_seed(d, version).text() through session::run; returns the INSERT's status.
    std::string seed(const definition& d, std::string_view version) const {
        auto script = must(render_seed(d, version), "rendering the seed");
        auto s = connect();
        auto results = must(s.run(script.text()), "seeding " + name_);
        for (const auto& rows : results)
            if (rows.command_status.starts_with("INSERT")) return rows.command_status;
        return {};
    }

    /// The database as it stood before 034: substrate loaded, baseline catalog seeded.
    static void at_baseline(const test_database& db, const definition& d) {
        db.load_substrate();
        const auto status = db.seed(d, d.base.version);
        const auto expected = "INSERT 0 " + std::to_string(d.base.rows.size());
        if (status != expected)
            throw std::runtime_error("seeding the baseline of " + db.name_ + " reported \"" +
                                     status + "\", expected \"" + expected + "\"");
    }

  private:
    std::string quoted_name() const { return "\"" + name_ + "\""; }
    std::string name_;
    std::string conninfo_;
};

} // namespace iucore::testing
