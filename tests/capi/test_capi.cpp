// Tests of the C ABI (libiucore.so.1) through its header only: this program links iucore::c,
// never the C++ library (Boost.JSON is used only to read the reports).
//
// Test suites: "offline" needs no server; "live" needs the throwaway PostgreSQL of the tests
// (IUCORE_PG_STATE, ...) and creates its own databases with tests/capi/fresh_db.sh.

#include "iucore.h"

#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <pthread.h>
#include <set>
#include <signal.h>
#include <string>
#include <string_view>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace json = boost::json;

namespace {

const char* const example_definition = IUCORE_EXAMPLE_DEFINITION;

std::string last_message() {
    return iucore_last_error_message();
}

/// Parses a string the library returned and releases it with iucore_free.
json::value take(char* text) {
    REQUIRE(text != nullptr);
    auto v = json::parse(text);
    iucore_free(text);
    return v;
}

#define REQUIRE_OK(call)                                                                           \
    do {                                                                                           \
        const int rc_ = (call);                                                                    \
        INFO(#call << " -> " << rc_ << ": " << last_message());                                    \
        REQUIRE(rc_ == IUCORE_OK);                                                                 \
        REQUIRE(iucore_last_error_code() == IUCORE_OK);                                            \
    } while (0)

/// A failed call: its status, the thread's last error code, and a message naming the problem.
void expect_error(int rc, int code, const std::string& fragment) {
    INFO("message: " << last_message());
    CHECK(rc == code);
    CHECK(iucore_last_error_code() == code);
    CHECK(last_message().find(fragment) != std::string::npos);
}

/// This thread's last error, as iucore_last_error_json gives it.
json::value last_error() {
    return json::parse(iucore_last_error_json());
}

/// expect_error, and the last error JSON agrees: code, code name, message.
void expect_code(int rc, int code, const std::string& fragment) {
    expect_error(rc, code, fragment);
    const auto e = last_error();
    CHECK(e.at("code") == code);
    CHECK(e.at("code_name") == iucore_status_name(code));
    CHECK(e.at("message") == json::value(last_message()));
}

/// Owns a definition handle for one test case.
struct loaded_definition {
    iucore_definition* handle = nullptr;
    loaded_definition() { REQUIRE_OK(iucore_definition_load_file(&handle, example_definition)); }
    ~loaded_definition() { iucore_definition_destroy(&handle); }
};

std::string json_text(const json::value& v) {
    return json::serialize(v);
}

/// The figures of `version` (NULL: the latest), as the library computes them.
json::value figures_of(const loaded_definition& d, const char* version) {
    char* out = nullptr;
    REQUIRE_OK(iucore_figures(&out, d.handle, version));
    return take(out);
}

/// The catalog at `version` (NULL: the latest), row by row.
json::array catalog_of(const iucore_definition* d, const char* version) {
    char* out = nullptr;
    REQUIRE_OK(iucore_catalog(&out, d, version));
    return take(out).as_array();
}

/// The definition as the library holds it.
json::object definition_of(const iucore_definition* d) {
    char* out = nullptr;
    REQUIRE_OK(iucore_definition_json(&out, d));
    return take(out).as_object();
}

/// Catalog rows at `version` (NULL: the latest), from the definition.
std::int64_t rows_at(const loaded_definition& d, const char* version) {
    return figures_of(d, version).at("catalog_rows").as_int64();
}

const std::string from_event_args =
    R"(["event_id=6f1f1f1e-0000-4000-8000-000000000001", "event_type=template.instance_auto_composed",)"
    R"( "template_collection_id=6f1f1f1e-0000-4000-8000-000000000002", "instance_key_suffix=demo-001",)"
    R"( "emit_mode=dry_run", "actor=operator", "note=trial run"])";

} // namespace

TEST_SUITE("offline") {

    TEST_CASE("the version and ABI version match the header and the project") {
        CHECK(std::string(iucore_version()) == IUCORE_VERSION_STRING);
        CHECK(std::string(iucore_version()) == IUCORE_EXPECTED_VERSION);
        CHECK(iucore_abi_version() == IUCORE_ABI_VERSION);
        CHECK(std::to_string(IUCORE_VERSION_MAJOR) + "." + std::to_string(IUCORE_VERSION_MINOR) +
                  "." + std::to_string(IUCORE_VERSION_PATCH) ==
              IUCORE_VERSION_STRING);
    }

    TEST_CASE("a definition file loads; its figures are those of its catalog and registry") {
        // The record's own figures are pinned once, in examples/python/tests/test_record.py.
        loaded_definition d;
        char* out = nullptr;
        const auto definition = definition_of(d.handle);
        const auto& migrations = definition.at("migrations").as_array();
        REQUIRE_FALSE(migrations.empty());
        CHECK(figures_of(d, nullptr).at("version") == migrations.back().at("id"));
        // The versions in order: an entry is registered from its "since" (else the baseline) on.
        std::vector<std::string> versions{
            std::string(definition.at("baseline").at("version").as_string())};
        for (const auto& m : migrations)
            versions.emplace_back(m.at("id").as_string());
        const auto position = [&](std::string_view v) {
            return std::find(versions.begin(), versions.end(), v) - versions.begin();
        };
        for (const char* version : {static_cast<const char*>(nullptr), "033"}) {
            INFO("version " << (version ? version : "latest"));
            const auto at = position(version ? version : versions.back());
            std::set<std::string> registry;
            for (const auto& entry : definition.at("registry").as_array())
                if (!entry.as_object().contains("since") ||
                    position(entry.at("since").as_string()) <= at)
                    registry.insert(std::string(entry.at("command").as_string()));
            const auto figures = figures_of(d, version);
            const auto rows = catalog_of(d.handle, version);
            std::set<std::string> targets;
            std::int64_t governed = 0;
            for (const auto& row : rows) {
                for (const auto& fn : row.at("target_functions").as_array())
                    targets.insert(std::string(fn.as_string()));
                governed += registry.count(std::string(row.at("command_name").as_string()));
            }
            CHECK(figures.at("catalog_rows") == static_cast<std::int64_t>(rows.size()));
            CHECK(figures.at("distinct_targets") == static_cast<std::int64_t>(targets.size()));
            CHECK(figures.at("governed_commands") == governed);
            CHECK(figures.at("registry_entries") == static_cast<std::int64_t>(registry.size()));
            std::int64_t kinds = 0;
            for (const auto& [kind, n] : figures.at("surface").as_object())
                if (kind != "total") kinds += n.as_int64();
            CHECK(figures.at("surface").at("total") == kinds);
        }
        // 034 adds rows: the figures move between the versions.
        CHECK(rows_at(d, "033") < rows_at(d, nullptr));

        expect_error(iucore_figures(&out, d.handle, "999"), IUCORE_E_INVALID_ARGUMENT, "999");
        CHECK(out == nullptr);
    }

    TEST_CASE("a definition loads from JSON text and round-trips") {
        loaded_definition d;
        char* out = nullptr;
        REQUIRE_OK(iucore_definition_json(&out, d.handle));
        const auto first = take(out);
        iucore_definition* again = nullptr;
        REQUIRE_OK(iucore_definition_load_json(&again, json_text(first).c_str(), "copy.json"));
        REQUIRE_OK(iucore_definition_json(&out, again));
        CHECK(take(out) == first);
        REQUIRE_OK(iucore_definition_destroy(&again));
        CHECK(again == nullptr);
    }

    TEST_CASE("malformed JSON, an invalid definition and a missing file are told apart") {
        iucore_definition* d = reinterpret_cast<iucore_definition*>(0x1);
        expect_error(iucore_definition_load_json(&d, "{\"format\": ", "broken.json"), IUCORE_E_JSON,
                     "broken.json");
        CHECK(d == nullptr);
        expect_error(
            iucore_definition_load_json(&d, "{\"format\": \"iucore-definition/1\"}", nullptr),
            IUCORE_E_DEFINITION, "<json>");
        CHECK(d == nullptr);
        expect_error(iucore_definition_load_json(&d, "[1, 2]", "array.json"), IUCORE_E_DEFINITION,
                     "array.json");
        expect_error(iucore_definition_load_file(&d, "/nonexistent/iu_core.json"),
                     IUCORE_E_DEFINITION, "/nonexistent/iu_core.json");
        CHECK(d == nullptr);
    }

    TEST_CASE("NULL pointers are rejected with IUCORE_E_NULL_POINTER") {
        loaded_definition d;
        char* out = nullptr;
        expect_error(iucore_definition_load_file(nullptr, example_definition),
                     IUCORE_E_NULL_POINTER, "out");
        iucore_definition* h = nullptr;
        expect_error(iucore_definition_load_file(&h, nullptr), IUCORE_E_NULL_POINTER, "path");
        expect_error(iucore_definition_load_json(&h, nullptr, nullptr), IUCORE_E_NULL_POINTER,
                     "json_text");
        expect_error(iucore_figures(nullptr, d.handle, nullptr), IUCORE_E_NULL_POINTER, "out_json");
        expect_error(iucore_render_forward(&out, d.handle, nullptr), IUCORE_E_NULL_POINTER,
                     "migration_id");
        expect_error(iucore_explain(&out, nullptr, d.handle, nullptr, nullptr),
                     IUCORE_E_NULL_POINTER, "command");
        expect_error(iucore_promote(nullptr, nullptr, d.handle, "{}", nullptr),
                     IUCORE_E_NULL_POINTER, "out_json and write_path");
        CHECK(out == nullptr);
    }

    TEST_CASE("invalid UTF-8 in any string parameter is IUCORE_E_INVALID_UTF8") {
        loaded_definition d;
        char* out = nullptr;
        iucore_definition* h = nullptr;
        expect_error(iucore_definition_load_file(&h, "bad\xff.json"), IUCORE_E_INVALID_UTF8,
                     "path");
        expect_error(iucore_definition_load_json(&h, "{\"name\": \"\xc3\x28\"}", nullptr),
                     IUCORE_E_INVALID_UTF8, "json_text");
        expect_error(iucore_explain(&out, nullptr, d.handle, "dot_iu_\xed\xa0\x80", nullptr),
                     IUCORE_E_INVALID_UTF8, "command"); // a UTF-16 surrogate
        expect_error(iucore_explain(&out, nullptr, d.handle, "dot_iu_ping", "[\"x=\xc0\xaf\"]"),
                     IUCORE_E_INVALID_UTF8, "args_json"); // an overlong form
        expect_error(iucore_render_seed(&out, d.handle, "03\x80"), IUCORE_E_INVALID_UTF8,
                     "version");
        CHECK(out == nullptr);
    }

    TEST_CASE("a NULL, destroyed or wrong handle is IUCORE_E_BAD_HANDLE") {
        char* out = nullptr;
        expect_error(iucore_figures(&out, nullptr, nullptr), IUCORE_E_BAD_HANDLE, "NULL");

        iucore_definition* h = nullptr;
        REQUIRE_OK(iucore_definition_load_file(&h, example_definition));
        iucore_definition* copy = h;
        REQUIRE_OK(iucore_definition_destroy(&h));
        CHECK(h == nullptr);
        expect_error(iucore_figures(&out, h, nullptr), IUCORE_E_BAD_HANDLE, "destroyed");
        (void)copy; // a stale copy cannot be checked safely: the header says so

        // A definition given where a session is expected, and a block that is no handle at all.
        loaded_definition d;
        auto* as_session = reinterpret_cast<iucore_session*>(d.handle);
        expect_error(iucore_gates(&out, as_session, d.handle), IUCORE_E_BAD_HANDLE, "session");
        expect_error(iucore_explain(&out, as_session, d.handle, "dot_iu_ping", nullptr),
                     IUCORE_E_BAD_HANDLE, "session");
        struct {
            std::uint32_t magic;
            void* impl;
        } fake{0x12345678u, nullptr};
        expect_error(iucore_figures(&out, reinterpret_cast<iucore_definition*>(&fake), nullptr),
                     IUCORE_E_BAD_HANDLE, "not a valid definition");
        CHECK(out == nullptr);

        // Destroying the wrong kind frees nothing; the handle stays usable.
        auto* as_definition = reinterpret_cast<iucore_definition*>(&fake);
        expect_error(iucore_definition_destroy(&as_definition), IUCORE_E_BAD_HANDLE, "definition");
        CHECK(as_definition == reinterpret_cast<iucore_definition*>(&fake));
        iucore_session* not_a_session = as_session;
        expect_error(iucore_session_close(&not_a_session), IUCORE_E_BAD_HANDLE, "session");
        REQUIRE_OK(iucore_figures(&out, d.handle, nullptr));
        iucore_free(out);
    }

    TEST_CASE("destroy functions accept NULL and a pointer to NULL") {
        REQUIRE_OK(iucore_definition_destroy(nullptr));
        iucore_definition* d = nullptr;
        REQUIRE_OK(iucore_definition_destroy(&d));
        REQUIRE_OK(iucore_session_close(nullptr));
        iucore_session* s = nullptr;
        REQUIRE_OK(iucore_session_close(&s));
        iucore_free(nullptr);
    }

    TEST_CASE("render forward, rollback and seed") {
        loaded_definition d;
        char* out = nullptr;
        REQUIRE_OK(iucore_render_forward(&out, d.handle, "034"));
        const auto forward = take(out);
        CHECK(forward.at("file") == "034_auto_instantiate_dot_registration.sql");
        CHECK(forward.at("checksum_algorithm") == "sha256");
        CHECK(forward.at("checksum").as_string().size() == 64);
        const std::string sql(forward.at("sql").as_string());
        CHECK(sql.find("dot_iu_auto_instantiate_from_event") != std::string::npos);
        CHECK(sql.find("ON CONFLICT") != std::string::npos);

        REQUIRE_OK(iucore_render_rollback(&out, d.handle, "034"));
        const std::string rollback(take(out).at("sql").as_string());
        CHECK(rollback.find("command_name") != std::string::npos);
        CHECK(rollback.find("DELETE") != std::string::npos);

        REQUIRE_OK(iucore_render_seed(&out, d.handle, nullptr));
        const auto seed_latest = take(out);
        REQUIRE_OK(iucore_render_seed(&out, d.handle, "033"));
        const auto seed_033 = take(out);
        CHECK(seed_latest.at("sql") != seed_033.at("sql"));

        expect_error(iucore_render_forward(&out, d.handle, "999"), IUCORE_E_INVALID_ARGUMENT,
                     "999");
    }

    TEST_CASE("explain offline binds the record's usage and lists the gates") {
        loaded_definition d;
        char* out = nullptr;
        REQUIRE_OK(iucore_explain(&out, nullptr, d.handle, "dot_iu_auto_instantiate_from_event",
                                  from_event_args.c_str()));
        const auto plan = take(out);
        CHECK(plan.at("governed") == true);
        CHECK(plan.at("mode") == "dry_run");
        CHECK(plan.at("decision").is_null());
        CHECK(plan.at("verdict") == "gates not evaluated (no database given)");
        CHECK(plan.at("gates").as_array().size() == 1);
        CHECK(plan.at("arguments").as_array().size() == 7);

        REQUIRE_OK(iucore_explain(&out, nullptr, d.handle,
                                  "dot_iu_auto_instantiate_rollback_by_actor",
                                  R"(["actor=operator", "dry_run=true"])"));
        const auto rollback = take(out);
        CHECK(rollback.at("mode") == "dry_run");
        CHECK(rollback.at("target") ==
              "fn_iu_auto_instantiate_rollback_by_actor(text,boolean) \xe2\x86\x92 jsonb");

        expect_error(iucore_explain(&out, nullptr, d.handle, "dot_iu_auto_instantiate_from_evnt",
                                    from_event_args.c_str()),
                     IUCORE_E_INVALID_ARGUMENT,
                     "did you mean \"dot_iu_auto_instantiate_from_event\"");
        expect_error(iucore_explain(&out, nullptr, d.handle,
                                    "dot_iu_auto_instantiate_rollback_by_actor",
                                    R"(["actor=operator", "dry_rn=true"])"),
                     IUCORE_E_INVALID_ARGUMENT, "did you mean \"dry_run\"");
    }

    TEST_CASE("a JSON parameter that is malformed or of the wrong shape is IUCORE_E_JSON") {
        loaded_definition d;
        char* out = nullptr;
        const char* command = "dot_iu_auto_instantiate_rollback_by_actor";
        expect_error(iucore_explain(&out, nullptr, d.handle, command, "[\"actor=operator\""),
                     IUCORE_E_JSON, "args_json");
        expect_error(iucore_explain(&out, nullptr, d.handle, command, R"({"actor": "operator"})"),
                     IUCORE_E_JSON, "an array");
        expect_error(
            iucore_explain(&out, nullptr, d.handle, command, R"(["actor=operator", true])"),
            IUCORE_E_JSON, "args_json[1]");
        CHECK(out == nullptr);
    }

    TEST_CASE("pins: every version's figures; check reads the example's real sites, all agreeing") {
        loaded_definition d;
        char* out = nullptr;
        REQUIRE_OK(iucore_pins(&out, d.handle, 0, nullptr));
        const auto report = take(out);
        REQUIRE(report.at("figures").as_array().size() == 2);
        CHECK(report.at("figures").at(0) == figures_of(d, "033"));
        CHECK(report.at("figures").at(1) == figures_of(d, nullptr));
        CHECK(report.at("checked_sites") == 0);
        // The sites are read relative to the definition file: every one read, none disagreeing.
        const auto sites = definition_of(d.handle).at("pins").as_array().size();
        REQUIRE(sites > 0);
        REQUIRE_OK(iucore_pins(&out, d.handle, 1, nullptr));
        const auto checked = take(out);
        INFO(json_text(checked));
        CHECK(checked.at("checked_sites") == static_cast<std::int64_t>(sites));
        CHECK(checked.at("mismatches").as_array().empty());
        CHECK(checked.at("ok") == true);
    }

    TEST_CASE("a pin site that disagrees is reported, read from base_dir") {
        // A definition with one pin site in a temporary directory, loaded from JSON text.
        loaded_definition d;
        char* out = nullptr;
        REQUIRE_OK(iucore_definition_json(&out, d.handle));
        auto def = take(out);
        def.as_object()["pins"] = json::array{json::object{
            {"file", "doc.txt"}, {"pattern", "(\\d+) catalog rows"}, {"figure", "catalog_rows"}}};
        const auto dir = std::filesystem::temp_directory_path() /
                         ("iucore_capi_pins_" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        const auto before = rows_at(d, "033"), latest = rows_at(d, nullptr);
        std::ofstream(dir / "doc.txt") << "the catalog has " << before << " catalog rows\n";
        iucore_definition* pinned = nullptr;
        REQUIRE_OK(iucore_definition_load_json(&pinned, json_text(def).c_str(), "pinned.json"));
        REQUIRE_OK(iucore_pins(&out, pinned, 1, dir.string().c_str()));
        const auto report = take(out);
        CHECK(report.at("ok") == false);
        CHECK(report.at("checked_sites") == 1);
        REQUIRE(report.at("mismatches").as_array().size() == 1);
        CHECK(report.at("mismatches").at(0).at("found").as_string() == std::to_string(before));
        CHECK(report.at("mismatches").at(0).at("expected") == latest);
        iucore_definition_destroy(&pinned);
        std::filesystem::remove_all(dir);
    }

    TEST_CASE("the last error is per thread, and a success resets it") {
        loaded_definition d;
        char* out = nullptr;
        expect_error(iucore_figures(&out, d.handle, "999"), IUCORE_E_INVALID_ARGUMENT, "999");
        std::thread([&] {
            CHECK(iucore_last_error_code() == IUCORE_OK);
            CHECK(last_message().empty());
            char* other = nullptr;
            CHECK(iucore_figures(&other, nullptr, nullptr) == IUCORE_E_BAD_HANDLE);
            CHECK(iucore_last_error_code() == IUCORE_E_BAD_HANDLE);
        }).join();
        CHECK(iucore_last_error_code() == IUCORE_E_INVALID_ARGUMENT);
        CHECK(last_message().find("999") != std::string::npos);
        REQUIRE_OK(iucore_figures(&out, d.handle, nullptr));
        iucore_free(out);
        CHECK(last_message().empty());
    }

    TEST_CASE("one definition handle serves many threads at once") {
        loaded_definition d;
        std::atomic<int> good{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t)
            threads.emplace_back([&] {
                for (int i = 0; i < 25; ++i) {
                    char* out = nullptr;
                    if (iucore_explain(&out, nullptr, d.handle,
                                       "dot_iu_auto_instantiate_from_event",
                                       from_event_args.c_str()) != IUCORE_OK)
                        continue;
                    if (json::parse(out).at("governed") == true) ++good;
                    iucore_free(out);
                }
            });
        for (auto& t : threads)
            t.join();
        CHECK(good == 8 * 25);
    }

    TEST_CASE("status names: every code of enum iucore_status by its name") {
        const std::vector<std::pair<int, std::string>> codes{
            {IUCORE_OK, "IUCORE_OK"},
            {IUCORE_E_INVALID_ARGUMENT, "IUCORE_E_INVALID_ARGUMENT"},
            {IUCORE_E_DEFINITION, "IUCORE_E_DEFINITION"},
            {IUCORE_E_REFUSED, "IUCORE_E_REFUSED"},
            {IUCORE_E_CHECK_FAILED, "IUCORE_E_CHECK_FAILED"},
            {IUCORE_E_DRIFT, "IUCORE_E_DRIFT"},
            {IUCORE_E_DATABASE, "IUCORE_E_DATABASE"},
            {IUCORE_E_CONNECTION, "IUCORE_E_CONNECTION"},
            {IUCORE_E_IO, "IUCORE_E_IO"},
            {IUCORE_E_INTERNAL, "IUCORE_E_INTERNAL"},
            {IUCORE_E_NULL_POINTER, "IUCORE_E_NULL_POINTER"},
            {IUCORE_E_INVALID_UTF8, "IUCORE_E_INVALID_UTF8"},
            {IUCORE_E_BAD_HANDLE, "IUCORE_E_BAD_HANDLE"},
            {IUCORE_E_JSON, "IUCORE_E_JSON"}};
        for (const auto& [code, name] : codes)
            CHECK(std::string(iucore_status_name(code)) == name);
        CHECK(std::string(iucore_status_name(1)) == "IUCORE_E_UNKNOWN");
        CHECK(std::string(iucore_status_name(-14)) == "IUCORE_E_UNKNOWN");
    }

    TEST_CASE("the last error as JSON; a success clears it; reading it changes nothing") {
        loaded_definition d;
        char* out = nullptr;
        REQUIRE_OK(iucore_figures(&out, d.handle, nullptr));
        iucore_free(out);
        CHECK(last_error() == json::parse(R"({"code": 0, "code_name": "IUCORE_OK", "message": "",
            "sqlstate": null, "detail": null, "hint": null, "path": null})"));
        expect_code(iucore_figures(&out, d.handle, "999"), IUCORE_E_INVALID_ARGUMENT, "999");
        CHECK(last_error() == last_error()); // stable while read
        CHECK(iucore_last_error_code() == IUCORE_E_INVALID_ARGUMENT);
    }

    // One real case per documented code that needs no server (the live suite has the others).
    // IUCORE_E_INTERNAL is a bug caught at the boundary: no real case exists to provoke it.
    TEST_CASE("documented codes, offline: each from a real case, with its last error JSON") {
        loaded_definition d;
        char* out = nullptr;
        iucore_definition* h = nullptr;
        // iucore_figures / iucore_catalog / render: an unknown version or migration.
        expect_code(iucore_figures(&out, d.handle, "999"), IUCORE_E_INVALID_ARGUMENT, "999");
        expect_code(iucore_catalog(&out, d.handle, "999"), IUCORE_E_INVALID_ARGUMENT, "999");
        expect_code(iucore_render_forward(&out, d.handle, "099"), IUCORE_E_INVALID_ARGUMENT, "099");
        // iucore_explain: an unknown argument; the nearest valid one is named.
        expect_code(iucore_explain(&out, nullptr, d.handle,
                                   "dot_iu_auto_instantiate_rollback_by_actor",
                                   R"(["actr=operator"])"),
                    IUCORE_E_INVALID_ARGUMENT, "actor");
        // A definition that does not hold together: the path of the offending member.
        auto def = definition_of(d.handle);
        def["migrations"].as_array()[0].as_object()["id"] = "0 3 4";
        expect_code(iucore_definition_load_json(&h, json_text(def).c_str(), "bad.json"),
                    IUCORE_E_DEFINITION, "bad.json");
        INFO(iucore_last_error_json());
        CHECK(last_error().at("path") == "$.migrations[0].id");
        expect_code(iucore_definition_load_file(&h, "/nonexistent/iu_core.json"),
                    IUCORE_E_DEFINITION, "/nonexistent/iu_core.json");
        // iucore_pins: a pin pattern that is not a regular expression is IUCORE_E_DEFINITION;
        // a pin site that cannot be read is IUCORE_E_IO.
        const auto dir = std::filesystem::temp_directory_path() /
                         ("iucore_capi_codes_" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        std::ofstream(dir / "doc.txt") << "26 catalog rows\n";
        def = definition_of(d.handle);
        def["pins"] = json::array{json::object{
            {"file", "doc.txt"}, {"pattern", "(\\d+ catalog rows"}, {"figure", "catalog_rows"}}};
        if (iucore_definition_load_json(&h, json_text(def).c_str(), "pattern.json") == IUCORE_OK) {
            expect_code(iucore_pins(&out, h, 1, dir.string().c_str()), IUCORE_E_DEFINITION,
                        "pattern");
            iucore_definition_destroy(&h);
        } else { // the definition's own validation caught the pattern first
            CHECK(iucore_last_error_code() == IUCORE_E_DEFINITION);
        }
        expect_code(iucore_pins(&out, d.handle, 1, dir.string().c_str()), IUCORE_E_IO,
                    "cannot read");
        std::filesystem::remove_all(dir);
        // The parameter checks of every function.
        expect_code(iucore_figures(nullptr, d.handle, nullptr), IUCORE_E_NULL_POINTER, "out_json");
        expect_code(iucore_render_seed(&out, d.handle, "03\x80"), IUCORE_E_INVALID_UTF8, "version");
        expect_code(iucore_figures(&out, nullptr, nullptr), IUCORE_E_BAD_HANDLE, "definition");
        // Malformed JSON and JSON of the wrong shape: the path of the input.
        expect_code(iucore_explain(&out, nullptr, d.handle, "dot_iu_ping", "[1,"), IUCORE_E_JSON,
                    "args_json");
        CHECK(last_error().at("path") == "args_json");
        expect_code(iucore_explain(&out, nullptr, d.handle, "dot_iu_ping", R"(["a=1", 2])"),
                    IUCORE_E_JSON, "args_json[1]");
        CHECK(last_error().at("path") == "args_json[1]");
        CHECK(out == nullptr);
    }

    TEST_CASE("echoed inputs are cut to 200 bytes, with their full length") {
        loaded_definition d;
        char* out = nullptr;
        const std::string huge(10 * 1024 * 1024, 'x');
        const auto length = "(" + std::to_string(huge.size()) + " bytes in all)";
        const auto check_cut = [&](int rc, int code, std::string said = {}) {
            if (said.empty()) said = length;
            INFO("message: " << last_message().substr(0, 600));
            CHECK(rc == code);
            CHECK(last_message().size() < 1000);
            CHECK(last_message().find(said) != std::string::npos);
            CHECK(last_message().find(std::string(201, 'x')) == std::string::npos);
            CHECK(std::string(iucore_last_error_json()).size() < 1200);
        };
        check_cut(iucore_explain(&out, nullptr, d.handle, huge.c_str(), nullptr),
                  IUCORE_E_INVALID_ARGUMENT);
        check_cut(iucore_figures(&out, d.handle, huge.c_str()), IUCORE_E_INVALID_ARGUMENT);
        check_cut(iucore_render_forward(&out, d.handle, huge.c_str()), IUCORE_E_INVALID_ARGUMENT);
        const auto token = "[\"actor=operator\", \"" + huge + "=1\"]";
        check_cut(iucore_explain(&out, nullptr, d.handle,
                                 "dot_iu_auto_instantiate_rollback_by_actor", token.c_str()),
                  IUCORE_E_INVALID_ARGUMENT,
                  "(" + std::to_string(huge.size() + 2) + " bytes in all)");
        // A multi-byte character is never cut in the middle.
        std::string accents;
        while (accents.size() < 1000)
            accents += "\xc3\xa9";
        accents += "_unknown";
        REQUIRE(iucore_figures(&out, d.handle, accents.c_str()) == IUCORE_E_INVALID_ARGUMENT);
        CHECK(json::parse(iucore_last_error_json()).at("message").is_string());
        CHECK(last_message().find("(" + std::to_string(accents.size()) + " bytes in all)") !=
              std::string::npos);
    }

} // TEST_SUITE("offline")

// ---- against PostgreSQL -------------------------------------------------------------------

namespace {

/// A word for /bin/sh: single-quoted.
std::string shell_quote(const std::string& word) {
    std::string out = "'";
    for (const char c : word)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

/// What a shell command prints (trailing newlines removed); it must exit 0.
std::string capture(const std::string& command) {
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string text;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe))
        text += buffer;
    INFO("command: " << command);
    REQUIRE(::pclose(pipe) == 0);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text;
}

/// A new database in the pre-034 state (033 substrate + seed 033), by tests/capi/fresh_db.sh.
std::string fresh_database(const std::string& name) {
    const char* script = std::getenv("IUCORE_FRESH_DB");
    REQUIRE_MESSAGE(script != nullptr, "IUCORE_FRESH_DB is not set (run under CTest)");
    const std::string db = name + "_" + std::to_string(::getpid());
    const auto conninfo = capture("bash " + shell_quote(script) + " " + shell_quote(db));
    REQUIRE(!conninfo.empty());
    return conninfo;
}

/// Rows of a query through psql, unaligned ('|' between columns, one row a line): to check what
/// the library wrote without going through it.
std::string psql_rows(const std::string& conninfo, const std::string& sql) {
    return capture("psql=$(command -v psql || printf '%s\\n' /usr/lib/postgresql/*/bin/psql | "
                   "sort -V | tail -n 1); \"$psql\" -X -A -t -q -v ON_ERROR_STOP=on -d " +
                   shell_quote(conninfo) + " -c " + shell_quote(sql));
}

/// A query's first value through psql, without assertions (for worker threads): "" on failure.
std::string query_quietly(const std::string& conninfo, const std::string& sql) {
    const auto command = "psql=$(command -v psql || printf '%s\\n' /usr/lib/postgresql/*/bin/psql "
                         "| sort -V | tail -n 1); \"$psql\" -X -A -t -q -d " +
                         shell_quote(conninfo) + " -c " + shell_quote(sql) + " 2>/dev/null";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return {};
    std::string text;
    char buffer[256];
    while (std::fgets(buffer, sizeof buffer, pipe))
        text += buffer;
    ::pclose(pipe);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text;
}

/// Another connection (psql in the background) holding an ACCESS EXCLUSIVE lock on `table`
/// for up to a minute, until destroyed.
class lock_holder {
  public:
    lock_holder(std::string conninfo, const std::string& table)
        : conninfo_(std::move(conninfo)), name_("capi_holder_" + std::to_string(::getpid())) {
        const auto sql = "BEGIN; LOCK TABLE " + table +
                         " IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;";
        const auto command =
            "psql=$(command -v psql || printf '%s\\n' /usr/lib/postgresql/*/bin/psql | sort -V | "
            "tail -n 1); \"$psql\" -X -q -d " +
            shell_quote(conninfo_ + " application_name=" + name_) + " -c " + shell_quote(sql) +
            " >/dev/null 2>&1 &";
        REQUIRE(std::system(command.c_str()) == 0);
        for (int i = 0; i < 200 && !held(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        REQUIRE(held());
    }
    lock_holder(const lock_holder&) = delete;
    lock_holder& operator=(const lock_holder&) = delete;
    ~lock_holder() { release(); }
    void release() {
        query_quietly(conninfo_, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                 "WHERE application_name = '" +
                                     name_ + "'");
    }

  private:
    bool held() const {
        return query_quietly(conninfo_, "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a "
                                        "USING (pid) WHERE a.application_name = '" +
                                            name_ +
                                            "' AND l.mode = 'AccessExclusiveLock' AND l.granted") ==
               "1";
    }
    std::string conninfo_, name_;
};

/// Waits (up to 20 s) until some backend of the database waits for a lock.
bool someone_waits(const std::string& conninfo) {
    for (int i = 0; i < 400; ++i) {
        if (query_quietly(conninfo, "SELECT count(*) FROM pg_locks WHERE NOT granted") != "0" &&
            !query_quietly(conninfo, "SELECT 1").empty())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

std::atomic<iucore_session*> signalled_session{nullptr};
std::atomic<int> signal_cancel_status{1};

extern "C" void cancel_on_signal(int) {
    signal_cancel_status = iucore_session_cancel(signalled_session.load());
}

struct open_session {
    iucore_session* handle = nullptr;
    explicit open_session(const std::string& conninfo) {
        REQUIRE_OK(iucore_session_open(&handle, conninfo.c_str()));
    }
    ~open_session() { iucore_session_close(&handle); }
};

/// What one thread of the 8-thread case saw. Checked on the main thread: no doctest assertion
/// runs on the workers.
struct thread_outcome {
    bool opened = false;
    std::string apply_outcome;
    std::vector<std::int64_t> run_ids;
    std::map<std::string, int> runs; // "command outcome" -> how many
    std::vector<std::string> errors;
};

/// A governed run each thread makes in every round, and the outcome it must report (and log).
struct planned_run {
    std::string command;
    const char* args;
    std::string outcome;
};
const std::vector<planned_run> runs_per_round{
    {"dot_iu_auto_instantiate_from_event", from_event_args.c_str(), "refused"}, // gates closed
    {"dot_iu_collection_list", nullptr, "ok"},                                  // ungated
    {"dot_iu_ping", nullptr, "refused"},                                        // not governed
};

/// One thread's own session: opens it, applies 034, then status, live explain, gates, the
/// planned runs and one invalid call per round, then closes it. Failures go to outcome.errors.
class session_worker {
  public:
    session_worker(thread_outcome& outcome, const iucore_definition* d, std::string conninfo,
                   std::string actor)
        : r_(outcome), d_(d), conninfo_(std::move(conninfo)), actor_(std::move(actor)) {}

    void open() {
        r_.opened = iucore_session_open(&s_, conninfo_.c_str()) == IUCORE_OK;
        if (!r_.opened) r_.errors.push_back(std::string("open: ") + iucore_last_error_message());
    }

    void work(int rounds) {
        if (!r_.opened) return;
        try {
            const std::string options = R"({"applied_by": ")" + actor_ + R"("})";
            const auto applied =
                report("apply", iucore_apply(&out_, s_, d_, "034", options.c_str()));
            if (applied.is_object())
                r_.apply_outcome = std::string(applied.at("outcome").as_string());
            for (int round = 0; round < rounds; ++round)
                one_round();
        } catch (const std::exception& e) { // a report of another shape
            r_.errors.push_back(std::string("unexpected report: ") + e.what());
        }
    }

    void close() {
        if (iucore_session_close(&s_) != IUCORE_OK || s_ != nullptr)
            r_.errors.push_back("close failed");
    }

  private:
    void one_round() {
        const auto status = report("status", iucore_status(&out_, s_, d_));
        bool seen = false;
        if (status.is_object())
            for (const auto& m : status.at("migrations").as_array())
                if (m.at("migration") == "034") {
                    seen = true;
                    expect(m.at("state") == "applied",
                           "status: 034 is " + json::serialize(m.at("state")));
                }
        expect(seen, "status: no 034");

        const auto plan =
            report("explain", iucore_explain(&out_, s_, d_, "dot_iu_auto_instantiate_from_event",
                                             from_event_args.c_str()));
        if (plan.is_object())
            expect(plan.at("decision").at("allowed") == false,
                   "explain: the gates allowed the command");

        const auto gates = report("gates", iucore_gates(&out_, s_, d_));
        if (gates.is_object())
            for (const auto& e : gates.at("evaluated").as_array())
                expect(e.at("value") == false, "gates: " + json::serialize(e));

        for (const auto& planned : runs_per_round) {
            const auto run =
                report("run " + planned.command, iucore_run(&out_, s_, d_, planned.command.c_str(),
                                                            planned.args, actor_.c_str()));
            if (!run.is_object()) continue;
            r_.run_ids.push_back(run.at("run_id").as_int64());
            ++r_.runs[planned.command + " " + std::string(run.at("outcome").as_string())];
        }

        // A bad argument fails on this thread only (its last error), and logs nothing.
        const int rc = iucore_run(&out_, s_, d_, "dot_iu_ping", R"(["x=1"])", actor_.c_str());
        expect(rc == IUCORE_E_INVALID_ARGUMENT && out_ == nullptr &&
                   iucore_last_error_code() == IUCORE_E_INVALID_ARGUMENT &&
                   std::string(iucore_last_error_message()).find("unknown argument") !=
                       std::string::npos,
               "a bad argument: " + std::to_string(rc) + " " + iucore_last_error_message());
    }

    /// The report of a call that must succeed (null after a failure, which is recorded).
    json::value report(const std::string& what, int rc) {
        char* out = std::exchange(out_, nullptr);
        if (rc != IUCORE_OK || out == nullptr) {
            r_.errors.push_back(what + ": " + std::to_string(rc) + " " +
                                iucore_last_error_message());
            iucore_free(out);
            return nullptr;
        }
        auto v = json::parse(out);
        iucore_free(out);
        return v;
    }

    void expect(bool ok, const std::string& what) {
        if (!ok) r_.errors.push_back(what);
    }

    thread_outcome& r_;
    const iucore_definition* d_;
    std::string conninfo_, actor_;
    iucore_session* s_ = nullptr;
    char* out_ = nullptr;
};

} // namespace

TEST_SUITE("live") {

    TEST_CASE("a connection failure is IUCORE_E_CONNECTION") {
        iucore_session* s = nullptr;
        expect_error(
            iucore_session_open(&s, "host=/nonexistent/socket/dir port=1 connect_timeout=2"),
            IUCORE_E_CONNECTION, "");
        CHECK(s == nullptr);
        CHECK(!last_message().empty());
    }

    TEST_CASE("the lifecycle of 034 through the C ABI") {
        const auto conninfo = fresh_database("capi_lifecycle");
        loaded_definition d;
        open_session s(conninfo);
        char* out = nullptr;

        REQUIRE_OK(iucore_gates(&out, s.handle, d.handle));
        const auto gates = take(out);
        CHECK(gates.at("operation") == "gates");
        for (const auto& e : gates.at("evaluated").as_array())
            CHECK(e.at("value") == false);

        REQUIRE_OK(iucore_explain(&out, s.handle, d.handle, "dot_iu_auto_instantiate_from_event",
                                  from_event_args.c_str()));
        const auto plan = take(out);
        CHECK(plan.at("decision").at("allowed") == false);
        CHECK(std::string(plan.at("verdict").as_string()).find("REFUSED") != std::string::npos);

        expect_error(iucore_apply(&out, s.handle, d.handle, "034", "{\"dry_run\": 1}"),
                     IUCORE_E_JSON, "options_json.dry_run");
        expect_error(iucore_apply(&out, s.handle, d.handle, "034", "{\"dry\": true}"),
                     IUCORE_E_JSON, "unknown member \"dry\"");
        expect_error(iucore_apply(&out, s.handle, d.handle, "034", "{"), IUCORE_E_JSON,
                     "options_json");

        REQUIRE_OK(iucore_apply(&out, s.handle, d.handle, "034", R"({"dry_run": true})"));
        const auto dry = take(out);
        CHECK(dry.at("outcome") == "would_apply");
        const auto added = rows_at(d, nullptr) - rows_at(d, "033");
        CHECK(dry.at("inserted") == added);

        REQUIRE_OK(iucore_apply(&out, s.handle, d.handle, "034", R"({"applied_by": "capi-test"})"));
        const auto applied = take(out);
        CHECK(applied.at("outcome") == "applied");
        CHECK(applied.at("insert_status").as_string() == "INSERT 0 " + std::to_string(added));

        REQUIRE_OK(iucore_apply(&out, s.handle, d.handle, "034", nullptr));
        CHECK(take(out).at("outcome") == "already_applied");

        REQUIRE_OK(iucore_verify(&out, s.handle, d.handle, nullptr));
        CHECK(take(out).at("ok") == true);
        REQUIRE_OK(iucore_diff(&out, s.handle, d.handle));
        CHECK(take(out).at("diff").at("equal") == true);
        REQUIRE_OK(iucore_surface(&out, s.handle, d.handle));
        const auto surface = take(out);
        CHECK(surface.at("ok") == true);
        CHECK(surface.at("live") == figures_of(d, nullptr).at("surface"));
        REQUIRE_OK(iucore_status(&out, s.handle, d.handle));
        CHECK(take(out).at("ledger_exists") == true);

        // A refused governed run is a successful call with a logged refusal ...
        REQUIRE_OK(iucore_run(&out, s.handle, d.handle, "dot_iu_auto_instantiate_from_event",
                              from_event_args.c_str(), "capi-test"));
        const auto run = take(out);
        CHECK(run.at("outcome") == "refused");
        CHECK(run.at("run_id").as_int64() > 0);
        CHECK(std::string(run.at("message").as_string()).find("iu_core.composer_enabled") !=
              std::string::npos);
        // ... whose run-log row now makes the rollback guard refuse: a failed call.
        expect_error(iucore_rollback(&out, s.handle, d.handle, "034"), IUCORE_E_REFUSED, "REFUSED");
        CHECK(out == nullptr);
        REQUIRE_OK(iucore_verify(&out, s.handle, d.handle, nullptr));
        CHECK(take(out).at("ok") == true); // nothing was changed

        // An ungated governed command runs; an ungoverned one is refused.
        REQUIRE_OK(
            iucore_run(&out, s.handle, d.handle, "dot_iu_collection_list", "[]", "capi-test"));
        CHECK(take(out).at("outcome") == "ok");
        // No actor (NULL or empty): the run log records the session's current_user.
        const auto user = psql_rows(conninfo, "SELECT current_user");
        for (const char* actor : {static_cast<const char*>(nullptr), ""}) {
            REQUIRE_OK(iucore_run(&out, s.handle, d.handle, "dot_iu_collection_list", "[]", actor));
            const auto id = take(out).at("run_id").as_int64();
            CHECK(psql_rows(conninfo, "SELECT actor FROM public.dot_iu_command_run WHERE id = " +
                                          std::to_string(id)) == user);
        }
        REQUIRE_OK(iucore_run(&out, s.handle, d.handle, "dot_iu_ping", nullptr, "capi-test"));
        CHECK(take(out).at("outcome") == "refused");
        expect_error(iucore_run(&out, s.handle, d.handle, "dot_iu_ping", "[\"x=1\"]", "capi-test"),
                     IUCORE_E_INVALID_ARGUMENT, "unknown argument");

        // A snapshot is a definition the library loads back.
        REQUIRE_OK(iucore_snapshot(&out, s.handle, d.handle));
        iucore_definition* snapshot = nullptr;
        REQUIRE_OK(iucore_definition_load_json(&snapshot, out, "snapshot"));
        iucore_free(out);
        REQUIRE_OK(iucore_catalog(&out, snapshot, nullptr));
        CHECK(take(out).as_array().size() == static_cast<std::size_t>(rows_at(d, nullptr)));
        iucore_definition_destroy(&snapshot);
    }

    TEST_CASE("rollback without runs: back to 033's rows, and prove on a new database") {
        const auto conninfo = fresh_database("capi_rollback");
        loaded_definition d;
        char* out = nullptr;
        {
            open_session s(conninfo);
            REQUIRE_OK(iucore_apply(&out, s.handle, d.handle, "034", nullptr));
            iucore_free(out);
            REQUIRE_OK(iucore_rollback(&out, s.handle, d.handle, "034"));
            const auto report = take(out);
            CHECK(report.at("deleted") == rows_at(d, nullptr) - rows_at(d, "033"));
            CHECK(report.at("back_to") == "033");
            REQUIRE_OK(iucore_verify(&out, s.handle, d.handle, "033"));
            CHECK(take(out).at("ok") == true);
        }
        const auto other = fresh_database("capi_prove");
        REQUIRE_OK(iucore_prove(&out, other.c_str(), d.handle, "034"));
        const auto proof = take(out);
        CHECK(proof.at("ok") == true);
        REQUIRE(proof.at("steps").as_array().size() == 3);
        CHECK(proof.at("steps").at(0).at("catalog_rows") == rows_at(d, nullptr));
        CHECK(proof.at("steps").at(1).at("catalog_rows") == rows_at(d, "033"));
        CHECK(proof.at("steps").at(2).at("catalog_rows") == rows_at(d, nullptr));
    }

    TEST_CASE("promote returns the new definition and writes it") {
        const auto conninfo = fresh_database("capi_promote");
        loaded_definition d;
        open_session s(conninfo);
        char* out = nullptr;
        const char* options =
            R"({"function": "fn_iu_ping", "command": "dot_iu_ping", "category": "inspect"})";
        expect_error(
            iucore_promote(&out, s.handle, d.handle, R"({"function": "fn_iu_ping"})", nullptr),
            IUCORE_E_JSON, "category");
        const auto path = std::filesystem::temp_directory_path() /
                          ("iucore_capi_promoted_" + std::to_string(::getpid()) + ".json");
        REQUIRE_OK(iucore_promote(&out, s.handle, d.handle, options, path.string().c_str()));
        const auto report = take(out);
        CHECK(report.at("migration").at("id") == "035");
        // One row more than the latest version: the promoted command's.
        CHECK(report.at("expectations").at("rows_after") == rows_at(d, nullptr) + 1);
        CHECK(report.at("path") == json::value(path.string()));
        iucore_definition* promoted = nullptr;
        REQUIRE_OK(iucore_definition_load_file(&promoted, path.string().c_str()));
        REQUIRE_OK(iucore_definition_json(&out, promoted));
        CHECK(take(out) == report.at("definition"));
        REQUIRE_OK(iucore_figures(&out, promoted, nullptr));
        const auto figures = take(out);
        CHECK(figures.at("version") == "035");
        CHECK(figures.at("governed_commands") ==
              figures_of(d, nullptr).at("governed_commands").as_int64() + 1);
        iucore_definition_destroy(&promoted);
        std::filesystem::remove(path);

        // Without a path only the report; the loaded handle is unchanged.
        REQUIRE_OK(iucore_promote(&out, s.handle, d.handle, options, nullptr));
        CHECK(take(out).at("path").is_null());
        REQUIRE_OK(iucore_figures(&out, d.handle, nullptr));
        CHECK(take(out).at("version") == "034");
    }

    // One real case per documented code that needs the server, with its last error JSON.
    TEST_CASE("documented codes, live: each from a real case; nothing is committed") {
        loaded_definition d;
        char* out = nullptr;
        // Nothing committed: the catalog holds 033's rows (the ledger may not even exist).
        const auto count_034 = [&](const std::string& db) {
            return std::to_string(
                std::stoll(psql_rows(db, "SELECT count(*) FROM public.dot_iu_command_catalog")) -
                rows_at(d, "033"));
        };

        SUBCASE("IUCORE_E_CHECK_FAILED: apply when a function 034 requires is missing") {
            const auto db = fresh_database("capi_code_check");
            psql_rows(db, "DROP FUNCTION public.fn_iu_auto_instantiate_rollback_by_actor"
                          "(text, boolean)");
            open_session s(db);
            expect_code(iucore_apply(&out, s.handle, d.handle, "034", nullptr),
                        IUCORE_E_CHECK_FAILED, "fn_iu_auto_instantiate_rollback_by_actor");
            CHECK(out == nullptr);
            CHECK(count_034(db) == "0");
            // prove fails the same way, on its own connections.
            expect_code(iucore_prove(&out, db.c_str(), d.handle, "034"), IUCORE_E_CHECK_FAILED,
                        "fn_iu_auto_instantiate_rollback_by_actor");
        }

        SUBCASE("IUCORE_E_REFUSED: apply 035 before the 034 it requires") {
            const auto db = fresh_database("capi_code_refused");
            open_session s(db);
            const char* options =
                R"({"function": "fn_iu_ping", "command": "dot_iu_ping", "category": "inspect"})";
            REQUIRE_OK(iucore_promote(&out, s.handle, d.handle, options, nullptr));
            const auto promoted = take(out);
            iucore_definition* next = nullptr;
            REQUIRE_OK(iucore_definition_load_json(
                &next, json_text(promoted.at("definition")).c_str(), "promoted.json"));
            expect_code(iucore_apply(&out, s.handle, next, "035", nullptr), IUCORE_E_REFUSED,
                        "034");
            CHECK(last_error().at("sqlstate").is_null());
            iucore_definition_destroy(&next);
            CHECK(count_034(db) == "0");
            // The promoted definition cannot be written where no directory is: IUCORE_E_IO.
            expect_code(iucore_promote(nullptr, s.handle, d.handle, options,
                                       "/nonexistent/dir/promoted.json"),
                        IUCORE_E_IO, "/nonexistent/dir/promoted.json");
            // An unknown migration and a function that does not exist: invalid arguments.
            expect_code(iucore_apply(&out, s.handle, d.handle, "099", nullptr),
                        IUCORE_E_INVALID_ARGUMENT, "099");
            expect_code(iucore_promote(&out, s.handle, d.handle,
                                       R"({"function": "fn_iu_nothing", "command": "dot_iu_nothing",
                                           "category": "inspect"})",
                                       nullptr),
                        IUCORE_E_INVALID_ARGUMENT, "fn_iu_nothing");
            // An unknown options member, 10 MB long, is named cut short with its length.
            const std::string huge(10 * 1024 * 1024, 'k');
            const auto member = "{\"" + huge + "\": true}";
            expect_code(iucore_apply(&out, s.handle, d.handle, "034", member.c_str()),
                        IUCORE_E_JSON, "(" + std::to_string(huge.size()) + " bytes in all)");
            CHECK(last_message().size() < 1000);
            CHECK(std::string(last_error().at("path").as_string()).starts_with("options_json."));
        }

        SUBCASE("IUCORE_E_DRIFT: prove when the ledger's checksum of 034 was changed") {
            const auto db = fresh_database("capi_code_drift");
            {
                open_session s(db);
                REQUIRE_OK(iucore_apply(&out, s.handle, d.handle, "034", nullptr));
                iucore_free(out);
            }
            psql_rows(db, "UPDATE public.iucore_migration_ledger SET checksum = repeat('0', 64) "
                          "WHERE migration_id = '034'");
            expect_code(iucore_prove(&out, db.c_str(), d.handle, "034"), IUCORE_E_DRIFT, "034");
            CHECK(out == nullptr);
        }

        SUBCASE("IUCORE_E_DATABASE: the server's error, with its SQLSTATE") {
            const auto db = fresh_database("capi_code_database");
            open_session s(db);
            psql_rows(db, "DROP TABLE public.dot_iu_command_catalog CASCADE");
            expect_code(iucore_diff(&out, s.handle, d.handle), IUCORE_E_DATABASE,
                        "dot_iu_command_catalog");
            CHECK(last_error().at("sqlstate") == "42P01"); // undefined_table
            // The session is still usable after a server error.
            REQUIRE_OK(iucore_status(&out, s.handle, d.handle));
            iucore_free(out);
        }

        SUBCASE("IUCORE_E_DATABASE: the server's SQLSTATE, DETAIL and HINT in the last error") {
            const auto db = fresh_database("capi_code_diagnostics");
            open_session s(db);
            // A unique index an operator added, on which 034's new rows collide: the server's
            // unique violation names the key in its DETAIL. The index holds for the rows there
            // now; every row 034 adds gets the same key.
            REQUIRE(rows_at(d, "034") - rows_at(d, "033") >= 2);
            psql_rows(db, "DO $$ BEGIN EXECUTE format('CREATE UNIQUE INDEX catalog_one_new_row "
                          "ON public.dot_iu_command_catalog ((true)) WHERE command_name <> "
                          "ALL (%L::text[])', (SELECT array_agg(command_name) "
                          "FROM public.dot_iu_command_catalog)); END $$");
            expect_code(iucore_apply(&out, s.handle, d.handle, "034", nullptr), IUCORE_E_DATABASE,
                        "catalog_one_new_row");
            CHECK(out == nullptr);
            auto e = last_error();
            CHECK(e.at("sqlstate") == "23505"); // unique_violation
            CHECK(e.at("detail") == "Key ((true))=(t) already exists.");
            CHECK(e.at("hint").is_null());
            CHECK(count_034(db) == "0");

            // An operator's trigger that refuses inserts with a DETAIL and a HINT of its own.
            psql_rows(db, "DROP INDEX public.catalog_one_new_row");
            psql_rows(db, "CREATE FUNCTION public.catalog_frozen() RETURNS trigger "
                          "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the catalog is frozen' "
                          "USING ERRCODE = 'P0001', DETAIL = 'change freeze until Friday', "
                          "HINT = 'ask the release manager'; END $$");
            psql_rows(db, "CREATE TRIGGER catalog_frozen BEFORE INSERT ON "
                          "public.dot_iu_command_catalog FOR EACH ROW EXECUTE FUNCTION "
                          "public.catalog_frozen()");
            expect_code(iucore_apply(&out, s.handle, d.handle, "034", nullptr), IUCORE_E_DATABASE,
                        "the catalog is frozen");
            e = last_error();
            CHECK(e.at("sqlstate") == "P0001");
            CHECK(e.at("detail") == "change freeze until Friday");
            CHECK(e.at("hint") == "ask the release manager");
            CHECK(e.at("path").is_null());
            CHECK(count_034(db) == "0");
            // A success clears them.
            REQUIRE_OK(iucore_status(&out, s.handle, d.handle));
            iucore_free(out);
            e = last_error();
            CHECK(e.at("sqlstate").is_null());
            CHECK(e.at("detail").is_null());
            CHECK(e.at("hint").is_null());
        }

        SUBCASE("IUCORE_E_CONNECTION: the server ended the session's backend") {
            const auto db = fresh_database("capi_code_connection");
            open_session s(db + " application_name=capi_code_connection");
            REQUIRE_OK(iucore_status(&out, s.handle, d.handle));
            iucore_free(out);
            psql_rows(db, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                          "WHERE application_name = 'capi_code_connection'");
            expect_code(iucore_status(&out, s.handle, d.handle), IUCORE_E_CONNECTION, "");
            CHECK(out == nullptr);
        }
    }

    TEST_CASE("cancel from another thread: a call waiting on a lock returns, nothing committed") {
        const auto db = fresh_database("capi_cancel");
        loaded_definition d;
        open_session s(db);
        char* out = nullptr;
        CHECK(iucore_session_cancel(s.handle) == IUCORE_OK); // nothing runs: nothing happens
        REQUIRE_OK(iucore_status(&out, s.handle, d.handle));
        iucore_free(out);
        lock_holder hold(db, "public.dot_iu_command_catalog");
        std::atomic<int> cancelled{1};
        std::atomic<bool> waited{false};
        std::thread canceller([&] {
            waited = someone_waits(db);
            cancelled = iucore_session_cancel(s.handle);
        });
        const auto started = std::chrono::steady_clock::now();
        const int rc = iucore_apply(&out, s.handle, d.handle, "034", nullptr);
        const auto took = std::chrono::steady_clock::now() - started;
        canceller.join();
        CHECK(waited);
        CHECK(cancelled == IUCORE_OK);
        expect_code(rc, IUCORE_E_DATABASE, "cancel");
        CHECK(last_error().at("sqlstate") == "57014"); // query_canceled
        CHECK(out == nullptr);
        CHECK(took < std::chrono::seconds(20)); // the lock is held for 60 s
        hold.release();
        CHECK(psql_rows(db, "SELECT count(*) FROM public.dot_iu_command_catalog") ==
              std::to_string(rows_at(d, "033")));
        // The session is still usable, and a stale cancel does not hit the next call.
        REQUIRE_OK(iucore_apply(&out, s.handle, d.handle, "034", nullptr));
        CHECK(take(out).at("outcome") == "applied");
        CHECK(iucore_session_cancel(nullptr) == IUCORE_E_BAD_HANDLE);
    }

    TEST_CASE("cancel from a signal handler on the waiting thread") {
        const auto db = fresh_database("capi_cancel_signal");
        loaded_definition d;
        open_session s(db);
        char* out = nullptr;
        struct sigaction action {};
        action.sa_handler = cancel_on_signal;
        sigemptyset(&action.sa_mask);
        struct sigaction previous {};
        REQUIRE(::sigaction(SIGUSR1, &action, &previous) == 0);
        signalled_session = s.handle;
        lock_holder hold(db, "public.dot_iu_command_catalog");
        const auto waiting_thread = ::pthread_self();
        std::thread signaller([&] {
            if (someone_waits(db)) ::pthread_kill(waiting_thread, SIGUSR1);
        });
        const int rc = iucore_apply(&out, s.handle, d.handle, "034", nullptr);
        signaller.join();
        ::sigaction(SIGUSR1, &previous, nullptr);
        signalled_session = nullptr;
        CHECK(signal_cancel_status == IUCORE_OK);
        expect_code(rc, IUCORE_E_DATABASE, "cancel");
        CHECK(last_error().at("sqlstate") == "57014");
        hold.release();
        CHECK(psql_rows(db, "SELECT count(*) FROM public.dot_iu_command_catalog") ==
              std::to_string(rows_at(d, "033")));
    }

    TEST_CASE("session options: a lock timeout bounds each call; the application name is shown") {
        const auto db = fresh_database("capi_timeout");
        loaded_definition d;
        char* out = nullptr;
        iucore_session* s = nullptr;
        expect_code(iucore_session_open_with(&s, db.c_str(), R"({"lock_timeout_ms": -1})"),
                    IUCORE_E_JSON, "options_json.lock_timeout_ms");
        CHECK(last_error().at("path") == "options_json.lock_timeout_ms");
        expect_code(iucore_session_open_with(&s, db.c_str(), R"({"timeout": 1})"), IUCORE_E_JSON,
                    "unknown member \"timeout\"");
        CHECK(s == nullptr);
        REQUIRE_OK(
            iucore_session_open_with(&s, db.c_str(),
                                     R"({"application_name": "capi_timeout", "lock_timeout_ms": 300,
                "statement_timeout_ms": 20000})"));
        CHECK(psql_rows(db, "SELECT count(*) FROM pg_stat_activity "
                            "WHERE application_name = 'capi_timeout'") == "1");
        {
            lock_holder hold(db, "public.dot_iu_command_catalog");
            const auto started = std::chrono::steady_clock::now();
            expect_code(iucore_apply(&out, s, d.handle, "034", nullptr), IUCORE_E_DATABASE, "lock");
            CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
            CHECK(last_error().at("sqlstate") == "55P03"); // lock_not_available
            CHECK(out == nullptr);
        }
        CHECK(psql_rows(db, "SELECT count(*) FROM public.dot_iu_command_catalog") ==
              std::to_string(rows_at(d, "033")));
        REQUIRE_OK(iucore_apply(&out, s, d.handle, "034", nullptr));
        CHECK(take(out).at("outcome") == "applied");
        iucore_session_close(&s);
    }

    TEST_CASE("a dead session answers IUCORE_E_CONNECTION until iucore_session_reset") {
        const auto db = fresh_database("capi_reset");
        loaded_definition d;
        char* out = nullptr;
        iucore_session* s = nullptr;
        REQUIRE_OK(
            iucore_session_open_with(&s, db.c_str(), R"({"application_name": "capi_reset"})"));
        REQUIRE_OK(iucore_status(&out, s, d.handle));
        iucore_free(out);
        psql_rows(db, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                      "WHERE application_name = 'capi_reset'");
        for (int i = 0; i < 3; ++i)
            expect_code(iucore_status(&out, s, d.handle), IUCORE_E_CONNECTION, "");
        expect_code(iucore_apply(&out, s, d.handle, "034", nullptr), IUCORE_E_CONNECTION, "");
        REQUIRE_OK(iucore_session_reset(s));
        REQUIRE_OK(iucore_apply(&out, s, d.handle, "034", nullptr));
        CHECK(take(out).at("outcome") == "applied");
        // The options hold after the reset.
        CHECK(psql_rows(db, "SELECT count(*) FROM pg_stat_activity "
                            "WHERE application_name = 'capi_reset'") == "1");
        expect_code(iucore_session_reset(nullptr), IUCORE_E_BAD_HANDLE, "session");
        iucore_session_close(&s);
    }

    TEST_CASE("a closed session is rejected") {
        const auto conninfo = fresh_database("capi_closed");
        loaded_definition d;
        iucore_session* s = nullptr;
        REQUIRE_OK(iucore_session_open(&s, conninfo.c_str()));
        REQUIRE_OK(iucore_session_close(&s));
        CHECK(s == nullptr);
        char* out = nullptr;
        expect_error(iucore_gates(&out, s, d.handle), IUCORE_E_BAD_HANDLE, "session");
        expect_error(iucore_apply(&out, s, d.handle, "034", nullptr), IUCORE_E_BAD_HANDLE,
                     "session");
    }

    // Run alone as capi.live.threads (also under TSan): 8 threads, each with its own session on
    // one database, race to apply 034, then do status / explain / gates / governed runs in rounds.
    TEST_CASE("8 threads each with their own session: 034 applies once and every run is logged") {
        constexpr int threads = 8;
        constexpr int rounds = 10;
        const std::string tag = "capi_threads_" + std::to_string(::getpid());
        const auto conninfo = fresh_database("capi_threads") +
                              " options='-c lock_timeout=20s -c statement_timeout=60s'";
        loaded_definition d; // one definition shared, read-only, by every thread

        std::vector<thread_outcome> results(threads);
        std::latch opened(threads);
        {
            std::vector<std::jthread> pool;
            for (int t = 0; t < threads; ++t)
                pool.emplace_back([&, t] {
                    session_worker w(results[static_cast<std::size_t>(t)], d.handle, conninfo,
                                     tag + "_" + std::to_string(t));
                    w.open();
                    opened.arrive_and_wait(); // every session is open before anyone applies
                    w.work(rounds);
                    w.close();
                });
        }

        int applied = 0, already = 0;
        std::string winner;
        std::set<std::int64_t> run_ids;
        std::size_t reported_runs = 0;
        std::map<std::string, int> runs;
        for (int t = 0; t < threads; ++t) {
            const auto& r = results[static_cast<std::size_t>(t)];
            INFO("thread " << t);
            CHECK(r.opened);
            for (const auto& e : r.errors)
                FAIL_CHECK(e);
            if (r.apply_outcome == "applied") {
                ++applied;
                winner = tag + "_" + std::to_string(t);
            }
            already += r.apply_outcome == "already_applied";
            reported_runs += r.run_ids.size();
            run_ids.insert(r.run_ids.begin(), r.run_ids.end());
            for (const auto& [key, n] : r.runs)
                runs[key] += n;
        }
        const auto runs_made = static_cast<std::size_t>(threads * rounds) * runs_per_round.size();
        std::map<std::string, int> expected_runs;
        int expected_ok = 0;
        for (const auto& planned : runs_per_round) {
            expected_runs[planned.command + " " + planned.outcome] += threads * rounds;
            expected_ok += planned.outcome == "ok" ? threads * rounds : 0;
        }

        // Exactly one applier applied; the ledger names it.
        CHECK(applied == 1);
        CHECK(already == threads - 1);
        CHECK(psql_rows(conninfo, "SELECT applied_by FROM public.iucore_migration_ledger WHERE "
                                  "migration_id = '034'") == winner);
        char* figures = nullptr;
        REQUIRE_OK(iucore_figures(&figures, d.handle, nullptr));
        CHECK(psql_rows(conninfo, "SELECT count(*) FROM public.dot_iu_command_catalog") ==
              std::to_string(take(figures).at("catalog_rows").as_int64()));

        // Every run made has its own run id and its own row in the run log, with the outcome it
        // reported, under the actor of its thread.
        CHECK(reported_runs == runs_made);
        CHECK(run_ids.size() == runs_made);
        CHECK(runs == expected_runs);
        const auto logged = psql_rows(
            conninfo, "SELECT count(*), count(DISTINCT actor), count(*) FILTER (WHERE outcome = "
                      "'ok') FROM public.dot_iu_command_run WHERE actor LIKE '" +
                          tag + "\\_%'");
        CHECK(logged == std::to_string(runs_made) + "|" + std::to_string(threads) + "|" +
                            std::to_string(expected_ok));
        const auto rows = psql_rows(conninfo, "SELECT count(*) FROM public.dot_iu_command_run");
        CHECK(rows == std::to_string(runs_made));
        MESSAGE("threads: " << threads << ", sessions: " << threads << ", applied: " << applied
                            << ", already applied: " << already << ", runs made: " << runs_made
                            << ", runs logged: " << rows);
    }

} // TEST_SUITE("live")
