// Hostile input (issue 6, part 3) through the C++ API and, when it is built, the C ABI: every
// payload below (quotes, backslashes, dollar-quote tags, semicolons, comment markers, NUL
// bytes, invalid UTF-8, 1 MB tokens) goes through every path that takes text from a caller or
// a definition. Each case is either stored verbatim (read back from PostgreSQL and compared
// byte for byte) or refused with a clear error (the expected code, and a message of at most
// 4 KB of UTF-8 that names the problem). A canary table planted in every database must
// survive every case unchanged: a single changed canary is an injection and fails the test.
//
// The last line printed is the figure line:
//   hostile: N payloads, M paths, 0 injections, K stored verbatim, E clear errors
//
// Every case that needs a database gets a fresh one: a copy (CREATE DATABASE … TEMPLATE) of a
// database in the post-034 state (033 substrate, baseline seed, apply 034) with the canary.

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <iucore/engine/commands.hpp>
#include <iucore/engine/files.hpp>
#include <iucore/engine/lifecycle.hpp>
#include <iucore/render.hpp>

#include "test_database.hpp"

#ifdef IUCORE_HOSTILE_CAPI
#include "iucore.h"
#endif

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <initializer_list>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

using iucore::definition;
using iucore::errc;
using iucore::failure;
using iucore::session;
using iucore::testing::must;
namespace json = boost::json;

namespace {

// ---------------------------------------------------------------------------------------------
// Payloads

struct payload {
    std::string name;
    std::string text;
    /// PostgreSQL text can hold it (valid UTF-8, no NUL): it must be stored verbatim wherever a
    /// value is stored; otherwise every path must refuse it with a clear error.
    bool pg_text() const {
        return iucore::is_valid_utf8(text) && text.find('\0') == std::string::npos;
    }
};

std::string repeated(std::string_view unit, std::size_t size) {
    std::string out;
    out.reserve(size + unit.size());
    while (out.size() < size)
        out += unit;
    out.resize(size);
    return out;
}

const std::vector<payload>& payloads() {
    static const std::vector<payload> all = {
        {"single quote", "'; DROP TABLE canary; --"},
        {"double quote", "\"; DROP TABLE canary; --"},
        {"backslash quote", "\\'; DROP TABLE canary; --"},
        {"E-string", "E'\\x27'; UPDATE canary SET x = 0; --"},
        {"trailing backslash", "x\\"},
        {"backslashes and quotes", "\\\\'\\\"\\\\\"'; DELETE FROM canary; --\\"},
        {"dollar-dollar", "$$; DROP TABLE canary; $$"},
        {"$preflight$", "$preflight$; DROP TABLE canary; $preflight$"},
        {"$verify$", "x$verify$; DROP TABLE canary;--"},
        {"$guard$", "$guard$ END; DROP TABLE canary; DO $guard$"},
        {"$ledger$", "$ledger$; DROP TABLE canary; $ledger$"},
        {"$fn$", "$fn$; DROP TABLE canary; $fn$"},
        {"semicolons", ";;; INSERT INTO canary VALUES (666);"},
        {"line comment", "-- DROP TABLE canary"},
        {"block comment", "*/ DROP TABLE canary; /*"},
        {"nested comment", "/* /* */ DROP TABLE canary; */"},
        {"parameter marker", "$1); DROP TABLE canary; --"},
        {"format specifiers", "%s %I %L %1$s'; DROP TABLE canary"},
        {"array syntax", "{\"a\",\"b\\\"}\"}; DROP TABLE canary"},
        {"JSON text", "{\"note\": \"'; DROP TABLE canary; --\"}"},
        {"control characters", "\n'; DROP TABLE canary;\r\n--\t\x01\x1b[2J"},
        {"look-alike quotes", "\u02bc\u2018\u2019\uff07; DROP TABLE canary; --"},
        {"NUL byte", std::string("x\0'; DROP TABLE canary; --", 26)},
        {"invalid UTF-8", "\xff\xfe'; DROP TABLE canary; --"},
        {"overlong quote", "\xc0\xa7; DROP TABLE canary; --"},
        {"lone surrogate", "\xed\xa0\x80'; DROP TABLE canary"},
        {"1 MB of quotes", std::string(1 << 20, '\'')},
        {"1 MB mixed", repeated("'; DROP TABLE canary; -- $$ $verify$ \\ /* ", 1 << 20)},
    };
    return all;
}

// ---------------------------------------------------------------------------------------------
// The tally behind the figure line

struct tally_t {
    std::set<std::string> payloads;
    std::set<std::string> paths;
    long verbatim = 0;
    long clear_errors = 0;
    long injections = 0;
} tally;

void stored_verbatim(const std::string& path, const payload& p) {
    tally.paths.insert(path);
    tally.payloads.insert(p.name);
    ++tally.verbatim;
}

void clear_error(const std::string& path, const payload& p) {
    tally.paths.insert(path);
    tally.payloads.insert(p.name);
    ++tally.clear_errors;
}

/// A message for the test log: short, whatever it holds.
std::string shown(std::string_view s) {
    return iucore::detail::quote_for_message(s, 300);
}

/// A clear error: non-empty, at most 4 KB, valid UTF-8 (a huge or binary input is not echoed
/// back whole or raw).
bool clear_message(std::string_view message) {
    return !message.empty() && message.size() <= 4096 && iucore::is_valid_utf8(message);
}

/// `r` must have failed with one of `codes` and a clear message; counts a clear error.
template <class T>
void expect_clear(const std::string& path, const payload& p, const iucore::result<T>& r,
                  std::initializer_list<errc> codes) {
    CAPTURE(path);
    CAPTURE(p.name);
    REQUIRE_MESSAGE(!r.has_value(), path << ": accepted the payload " << p.name);
    const auto& f = r.error();
    bool expected_code = false;
    for (auto c : codes)
        expected_code = expected_code || iucore::code_of(f) == c;
    CHECK_MESSAGE(expected_code, path << ": " << f.code.message() << ": " << shown(f.message));
    CHECK_MESSAGE(clear_message(f.message), path << ": unclear message (" << f.message.size()
                                                 << " bytes): " << shown(f.message));
    if (expected_code && clear_message(f.message)) clear_error(path, p);
}

template <class T>
T ok(iucore::result<T> r, const std::string& what) {
    REQUIRE_MESSAGE(r.has_value(), what << ": " << (r ? std::string() : shown(r.error().message)));
    return std::move(r).value();
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

// ---------------------------------------------------------------------------------------------
// The example definition and the record's usage

const definition& example() {
    static const definition d = iucore::testing::example_definition();
    return d;
}

const std::string from_event = "dot_iu_auto_instantiate_from_event";
const std::string rollback_by_actor = "dot_iu_auto_instantiate_rollback_by_actor";
const std::string event_id = "6f1c1b9e-9a6e-4c55-9a53-2b0f3c0d7a11";
const std::string collection_id = "0b4e7f52-3f0d-4a47-8f0e-5d7f2c9a1e33";
const std::string composer = "iu_core.composer_enabled";
const std::string auto_instantiate = "iu_core.auto_instantiate_enabled";

std::vector<std::string> from_event_tokens(const std::string& note, const std::string& actor,
                                           const std::string& emit_mode = "dry_run",
                                           const std::string& suffix = "demo-001") {
    return {"event_id=" + event_id,
            "event_type=template.instance_auto_composed",
            "template_collection_id=" + collection_id,
            "instance_key_suffix=" + suffix,
            "emit_mode=" + emit_mode,
            "actor=" + actor,
            "note=" + note};
}

/// The example with migration 035 adding one catalog row named after the payload (category:
/// the payload) over fn_iu_auto_instantiate_rollback_by_actor, and a registry entry for it.
definition with_hostile_row(const payload& p) {
    definition d = example();
    const auto command = "dot_iu_h_" + p.text;
    d.categories.push_back(p.text);
    iucore::migration m;
    m.id = "035";
    m.slug = "hostile";
    m.requires_migrations = {"034"};
    // As the loader reads `requires.functions`: regprocedure text, types only.
    m.requires_functions = {
        iucore::parse_signature(
            d.find_signature("fn_iu_auto_instantiate_rollback_by_actor")->regprocedure())
            .value()};
    m.adds = {{command, p.text, true, true, {"fn_iu_auto_instantiate_rollback_by_actor"}, false}};
    d.migrations.push_back(std::move(m));
    auto entry = *d.find_entry(rollback_by_actor);
    entry.command = command;
    d.registry.push_back(std::move(entry));
    return d;
}

// ---------------------------------------------------------------------------------------------
// Databases

/// The post-034 database with the canary, made once and copied for each case.
const iucore::testing::test_database& template_database() {
    static const iucore::testing::test_database db("hostile_template");
    static const bool ready = [] {
        iucore::testing::test_database::at_baseline(db, example());
        auto s = db.connect();
        const auto applied = must(iucore::apply(s, example(), "034"), "apply 034");
        if (applied.outcome != iucore::apply_outcome::applied)
            throw std::runtime_error("034 did not apply to the template database");
        must(s.run("CREATE TABLE public.canary (x integer);\n"
                   "INSERT INTO public.canary VALUES (1);"),
             "planting the canary");
        return true;
    }();
    (void)ready;
    return db;
}

/// A copy of the template database, dropped afterwards.
class hostile_database {
  public:
    explicit hostile_database(std::string_view tag) {
        static std::atomic<int> counter{0};
        const auto& base = template_database();
        name_ = "iucore_hostile_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
        for (char c : tag)
            if (name_.size() < 63) name_ += (c >= 'a' && c <= 'z') ? c : '_';
        auto admin = admin_session();
        must(admin.run("CREATE DATABASE \"" + name_ + "\" TEMPLATE \"" + base.name() + "\""),
             "creating " + name_);
        conninfo_ = iucore::testing::conninfo_with_dbname(iucore::testing::admin_conninfo(), name_);
        s_.emplace(must(session::connect(conninfo_), "connecting to " + name_));
    }
    hostile_database(const hostile_database&) = delete;
    hostile_database& operator=(const hostile_database&) = delete;
    ~hostile_database() {
        s_.reset();
        auto admin = session::connect(iucore::testing::admin_conninfo());
        if (admin)
            (void)admin.value().run("DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)");
    }

    session& db() { return *s_; }
    const std::string& conninfo() const { return conninfo_; }

    /// One parameterised statement of the test's own; returns the first row's first column.
    std::string scalar(const std::string& sql,
                       std::vector<std::optional<std::string>> params = {}) {
        const auto rows = ok(s_->run_params(sql, params), sql);
        REQUIRE_MESSAGE(!rows.rows.empty(), "no row from " << sql);
        return rows.rows[0][0].value_or("<NULL>");
    }
    long count(const std::string& sql) { return std::stol(scalar(sql)); }
    long run_log_rows() { return count("SELECT count(*) FROM public.dot_iu_command_run"); }

    void set_config(const std::string& key, const std::string& value) {
        ok(s_->run_params(
               "UPDATE public.iu_core_config SET config_value = $2 WHERE config_key = $1",
               {key, value}),
           "setting " + key);
    }

    /// The canary: still there, one row, x = 1. Anything else is an injection.
    void check_canary(const std::string& path, const payload& p) {
        const auto exists =
            ok(s_->run_params("SELECT to_regclass('public.canary') IS NOT NULL AS present", {}),
               "looking for the canary");
        bool intact = exists.text(0, "present") == "t";
        if (intact) {
            const auto rows = ok(s_->run_params("SELECT count(*)::text || ':' || "
                                                "coalesce(string_agg(x::text, ','), '') AS c "
                                                "FROM public.canary",
                                                {}),
                                 "reading the canary");
            intact = rows.text(0, "c") == "1:1";
        }
        if (!intact) ++tally.injections;
        CHECK_MESSAGE(intact,
                      "INJECTION: the canary changed after " << path << " with payload " << p.name);
    }

    struct run_row {
        std::string command_name, actor, outcome, note, args_actor;
    };
    run_row run_log_row(std::int64_t id) {
        const auto rows =
            ok(s_->run_params("SELECT command_name, actor, outcome, args->>'note' AS note, "
                              "args->>'actor' AS args_actor FROM public.dot_iu_command_run "
                              "WHERE id = $1::bigint",
                              {std::to_string(id)}),
               "reading run-log row");
        REQUIRE_MESSAGE(rows.rows.size() == 1, "no run-log row " << id);
        return {rows.text(0, "command_name"), rows.text(0, "actor"), rows.text(0, "outcome"),
                rows.text(0, "note"), rows.text(0, "args_actor")};
    }

    /// Run `id` of command_name is logged with the payload verbatim as its note, its actor
    /// argument and its actor.
    void check_run_logged(std::int64_t id, const std::string& command_name, const std::string& path,
                          const payload& p) {
        const auto row = run_log_row(id);
        CHECK(row.command_name == command_name);
        CHECK(row.note == p.text);
        CHECK(row.args_actor == p.text);
        CHECK(row.actor == p.text);
        if (row.note == p.text && row.args_actor == p.text && row.actor == p.text)
            stored_verbatim(path, p);
    }

  private:
    static session admin_session() {
        return must(session::connect(iucore::testing::admin_conninfo()), "connecting as admin");
    }
    std::string name_;
    std::string conninfo_;
    std::optional<session> s_;
};

} // namespace

// ---------------------------------------------------------------------------------------------
// Offline: argument parsing, command names, signatures, definition JSON

TEST_CASE("explain: a hostile value is bound verbatim or refused; names and keys are refused") {
    const auto& d = example();
    for (const auto& p : payloads()) {
        CAPTURE(p.name);
        {
            const std::string path = "C++ explain: text argument value";
            auto r = iucore::explain(d, from_event, from_event_tokens(p.text, "operator"));
            if (p.pg_text()) {
                const auto plan = ok(std::move(r), path);
                REQUIRE(plan.arguments.values.size() == 7);
                CHECK(plan.arguments.values[6].value == p.text);
                CHECK(plan.sql.params.back() == p.text);
                // The value travels as a parameter, never in the SQL text.
                CHECK_FALSE(contains(plan.sql.call, "canary"));
                const auto as_json = json::value_from(plan);
                CHECK(as_json.at("params").at(6).as_string() == p.text);
                if (plan.sql.params.back() == p.text && !contains(plan.sql.call, "canary"))
                    stored_verbatim(path, p);
            } else {
                expect_clear(path, p, r, {errc::invalid_argument});
                if (!r) CHECK(contains(r.error().message, "argument \"note="));
            }
        }
        expect_clear("C++ explain: uuid argument", p,
                     iucore::explain(d, from_event,
                                     {"event_id=" + p.text, "event_type=t",
                                      "template_collection_id=" + collection_id,
                                      "instance_key_suffix=s", "emit_mode=dry_run", "actor=a"}),
                     {errc::invalid_argument});
        expect_clear("C++ explain: boolean argument", p,
                     iucore::explain(d, rollback_by_actor, {"actor=a", "dry_run=" + p.text}),
                     {errc::invalid_argument});
        expect_clear("C++ explain: allowed-values argument", p,
                     iucore::explain(d, from_event, from_event_tokens("n", "a", p.text)),
                     {errc::invalid_argument});
        expect_clear("C++ explain: argument key", p,
                     iucore::explain(d, rollback_by_actor, {"actor=a", p.text + "=1"}),
                     {errc::invalid_argument});
        for (const auto& command : {p.text, "dot_iu_" + p.text}) {
            const auto r = iucore::explain(d, command, {});
            expect_clear("C++ explain: command name", p, r, {errc::invalid_argument});
            if (!r) CHECK(contains(r.error().message, "is not in the registry"));
        }
    }
}

TEST_CASE("parse_signature: every hostile text is refused with a message") {
    for (const auto& p : payloads()) {
        for (const auto& text :
             {p.text, "fn_x(" + p.text + ")", "fn_x(note text) -> " + p.text, p.text + "(text)"})
            expect_clear("C++ parse_signature", p, iucore::parse_signature(text),
                         {errc::invalid_argument});
    }
}

TEST_CASE("definition JSON: hostile names and rows load back equal, or fail with a message") {
    for (const auto& p : payloads()) {
        CAPTURE(p.name);
        const auto hostile = with_hostile_row(p);
        const auto text = json::serialize(json::value_from(hostile));
        auto loaded = iucore::parse_definition(text, "hostile.json");
        const std::string path = "C++ definition JSON: catalog row";
        if (!p.pg_text()) {
            // Invalid UTF-8 is not JSON; a NUL (\u0000) is, and rendering refuses it.
            if (!loaded) {
                expect_clear(path, p, loaded, {errc::invalid_definition});
            } else {
                expect_clear(path, p, iucore::render_forward(loaded.value(), "035"),
                             {errc::invalid_argument});
            }
        } else {
            const auto d = ok(std::move(loaded), path);
            CHECK(d == hostile);
            const auto sql = ok(iucore::render_forward(d, "035"), "render 035");
            CHECK(ok(d.catalog_at("035"), "catalog 035").find("dot_iu_h_" + p.text) != nullptr);
            if (d == hostile && !sql.text().empty()) stored_verbatim(path, p);
        }

        // The definition's name is printed in a comment line of every rendered file.
        auto named = example();
        named.name = p.text;
        auto reread =
            iucore::parse_definition(json::serialize(json::value_from(named)), "named.json");
        const std::string name_path = "C++ definition JSON: name";
        const bool one_line = p.pg_text() && std::none_of(p.text.begin(), p.text.end(), [](char c) {
                                  return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                              });
        if (one_line) {
            const auto d = ok(std::move(reread), name_path);
            CHECK(d.name == p.text);
            const auto sql = ok(iucore::render_forward(d, "034"), "render 034");
            // The name stays inside its comment line: every header line is a comment, and the
            // statements are those of the example.
            const auto plain = ok(iucore::render_forward(example(), "034"), "render 034");
            bool comments = true;
            std::string_view header = sql.header;
            while (!header.empty()) {
                comments = comments && header.starts_with("-- ");
                const auto nl = header.find('\n');
                header.remove_prefix(nl == std::string_view::npos ? header.size() : nl + 1);
            }
            CHECK(comments);
            CHECK(sql.body() == plain.body());
            if (d.name == p.text && comments && sql.body() == plain.body())
                stored_verbatim(name_path, p);
        } else {
            expect_clear(name_path, p, reread, {errc::invalid_definition});
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Against PostgreSQL

TEST_CASE("run: hostile values reach the run log and the function verbatim, or nothing is "
          "written") {
    hostile_database db("run");
    const auto& d = example();
    for (const auto& p : payloads()) {
        CAPTURE(p.name);
        // Gates closed: refused, logged with its arguments and actor.
        db.set_config(composer, "false");
        const auto before = db.run_log_rows();
        auto refused =
            iucore::run_command(db.db(), d, from_event, from_event_tokens(p.text, p.text), p.text);
        const std::string path = "C++ run (refused): run-log args and actor";
        if (p.pg_text()) {
            const auto r = ok(std::move(refused), path);
            CHECK(r.outcome == iucore::run_outcome::refused);
            db.check_run_logged(r.run_id.value(), from_event, path, p);
        } else {
            expect_clear(path, p, refused, {errc::invalid_argument});
            CHECK(db.run_log_rows() == before);
            // The run log's actor alone (the arguments are plain): refused before anything is
            // sent, not cut short at a NUL by libpq or left to the server to reject.
            const std::string actor_path = "C++ run: the run log's actor alone";
            expect_clear(actor_path, p,
                         iucore::run_command(db.db(), d, from_event,
                                             from_event_tokens("n", "operator"), p.text),
                         {errc::invalid_argument});
            CHECK(db.run_log_rows() == before);
        }
        db.check_canary(path, p);

        // Gates open, live: the function stores the note and actor in iu_instance; the reversal
        // by actor finds exactly that row by the same text.
        db.set_config(composer, "true");
        db.set_config(auto_instantiate, "true");
        const auto suffix = "hostile-" + std::to_string(&p - payloads().data());
        auto live = iucore::run_command(
            db.db(), d, from_event, from_event_tokens(p.text, p.text, "live", suffix), "tester");
        const std::string live_path = "C++ run (live): the function's row";
        if (p.pg_text()) {
            const auto r = ok(std::move(live), live_path);
            REQUIRE_MESSAGE(r.outcome == iucore::run_outcome::ok, r.message);
            const auto key = collection_id + ":" + suffix;
            const auto note =
                db.scalar("SELECT note FROM public.iu_instance WHERE instance_key = $1", {key});
            const auto by = db.scalar(
                "SELECT created_by FROM public.iu_instance WHERE instance_key = $1", {key});
            CHECK(note == p.text);
            CHECK(by == p.text);
            if (note == p.text && by == p.text) stored_verbatim(live_path, p);

            const std::string reversal_path = "C++ run (live): reversal by the exact actor";
            const auto reversed =
                ok(iucore::run_command(db.db(), d, rollback_by_actor,
                                       {"actor=" + p.text, "dry_run=false"}, "tester"),
                   reversal_path);
            REQUIRE_MESSAGE(reversed.outcome == iucore::run_outcome::ok, reversed.message);
            const auto removed = json::parse(reversed.result_json).at("removed").as_int64();
            CHECK(removed == 1);
            CHECK(db.count("SELECT count(*) FROM public.iu_instance") == 0);
            if (removed == 1) stored_verbatim(reversal_path, p);
        } else {
            expect_clear(live_path, p, live, {errc::invalid_argument});
        }
        db.check_canary(live_path, p);
        db.set_config(auto_instantiate, "false");
    }
}

TEST_CASE("configs: a hostile value evaluates as PARSE_ERROR and refuses; a hostile key is "
          "found exactly") {
    hostile_database db("config");
    const auto& d = example();
    const auto tokens = from_event_tokens("n", "operator");
    // The substrate's registry validates values by their declared type (a trigger casts a
    // boolean config's value); iucore must fail closed even where a registry does not, so the
    // trigger is disabled here, in this throwaway copy.
    ok(db.db().run("ALTER TABLE public.iu_core_config DISABLE TRIGGER trg_iu_core_config_validate"),
       "disabling the registry's validation trigger");
    for (const auto& p : payloads()) {
        CAPTURE(p.name);
        if (!p.pg_text()) continue; // the registry (PostgreSQL text) cannot hold it
        const std::string path = "C++ config value: PARSE_ERROR, raw value read back";
        db.set_config(composer, p.text);
        const auto plan = ok(iucore::explain_live(db.db(), d, from_event, tokens), "explain_live");
        REQUIRE(plan.decision.has_value());
        CHECK_FALSE(plan.decision->allowed);
        REQUIRE(plan.decision->evaluations.size() == 1);
        const auto& e = plan.decision->evaluations[0];
        CHECK(e.key == composer);
        CHECK(e.error == iucore::evaluation_error::parse_error);
        CHECK(e.raw == p.text);
        const auto gates = ok(iucore::gates_live(db.db(), d), "gates_live");
        const auto evaluated = std::find_if(gates.evaluated.begin(), gates.evaluated.end(),
                                            [&](const auto& x) { return x.key == composer; });
        REQUIRE(evaluated != gates.evaluated.end());
        CHECK(evaluated->error == iucore::evaluation_error::parse_error);
        const auto run = ok(iucore::run_command(db.db(), d, from_event, tokens, "t"), "run");
        CHECK(run.outcome == iucore::run_outcome::refused);
        CHECK(run.decision == *plan.decision);
        if (e.error == iucore::evaluation_error::parse_error && e.raw == p.text &&
            run.outcome == iucore::run_outcome::refused)
            stored_verbatim(path, p);
        db.check_canary(path, p);
    }
    db.set_config(composer, "true");

    // A definition whose gate reads a config named by the payload: the run finds that exact
    // key (open when its row says true, closed when it says false).
    for (const auto& p : payloads()) {
        CAPTURE(p.name);
        const std::string path = "C++ config key: a gate finds its config by the exact key";
        auto hostile = example();
        auto entries = hostile.configs.entries();
        entries.push_back({p.text, std::nullopt, "boolean", false});
        hostile.configs = iucore::config_set(entries);
        auto gates = hostile.gates.gates();
        gates.push_back({p.text, {iucore::mode::dry_run}, {rollback_by_actor}});
        hostile.gates = iucore::gate_set(gates);
        const std::vector<std::string> dry_run{"actor=operator", "dry_run=true"};
        if (!p.pg_text()) {
            auto r = iucore::run_command(db.db(), hostile, rollback_by_actor, dry_run, "t");
            // NUL: refused before anything is sent. Invalid UTF-8: the server refuses the
            // statement and the failed attempt is logged as an error with its message.
            if (!r) {
                expect_clear(path, p, r, {errc::invalid_argument});
            } else {
                CHECK(r.value().outcome == iucore::run_outcome::error);
                CHECK(clear_message(r.value().message));
                if (r.value().outcome == iucore::run_outcome::error &&
                    clear_message(r.value().message))
                    clear_error(path, p);
            }
            db.check_canary(path, p);
            continue;
        }
        if (p.text.size() > 2000) {
            // Too long for the registry's primary key: no row can exist, so the gate fails
            // closed (FLAG_NOT_FOUND) and the function is not called.
            const auto r =
                ok(iucore::run_command(db.db(), hostile, rollback_by_actor, dry_run, "t"),
                   "run with a key the registry cannot hold");
            CHECK(r.outcome == iucore::run_outcome::refused);
            REQUIRE(r.decision.evaluations.size() == 2);
            CHECK(r.decision.evaluations[1].error == iucore::evaluation_error::flag_not_found);
            if (r.outcome == iucore::run_outcome::refused &&
                r.decision.evaluations[1].error == iucore::evaluation_error::flag_not_found)
                clear_error(path, p);
            db.check_canary(path, p);
            continue;
        }
        ok(db.db().run_params("INSERT INTO public.iu_core_config (config_key, config_value, "
                              "value_type) VALUES ($1, 'true', 'boolean')",
                              {p.text}),
           "inserting the hostile config");
        const auto open = ok(iucore::run_command(db.db(), hostile, rollback_by_actor, dry_run, "t"),
                             "run with the hostile gate open");
        CHECK_MESSAGE(open.outcome == iucore::run_outcome::ok, open.message);
        db.set_config(p.text, "false");
        const auto closed = ok(
            iucore::run_command(db.db(), hostile, rollback_by_actor, dry_run, "t"), "run closed");
        CHECK(closed.outcome == iucore::run_outcome::refused);
        REQUIRE(closed.decision.evaluations.size() == 2);
        CHECK(closed.decision.evaluations[1].key == p.text);
        CHECK(closed.decision.evaluations[1].raw == std::optional<std::string>("false"));
        if (open.outcome == iucore::run_outcome::ok &&
            closed.outcome == iucore::run_outcome::refused)
            stored_verbatim(path, p);
        ok(db.db().run_params("DELETE FROM public.iu_core_config WHERE config_key = $1", {p.text}),
           "removing the hostile config");
        db.check_canary(path, p);
    }
}

TEST_CASE("definition rows: hostile command names and categories apply, prove, verify, diff, "
          "run and guard verbatim") {
    for (const auto& p : payloads()) {
        CAPTURE(p.name);
        hostile_database db("rows");
        const auto hostile = with_hostile_row(p);
        const auto command = "dot_iu_h_" + p.text;
        const std::string path = "C++ definition rows: apply, prove, verify, diff, run, rollback";
        // What PostgreSQL cannot hold is refused: iucore refuses a NUL or invalid UTF-8 before
        // sending anything; nothing is half-applied.
        if (!p.pg_text()) {
            expect_clear(path, p, iucore::apply(db.db(), hostile, "035"), {errc::invalid_argument});
            CHECK(db.count("SELECT count(*) FROM public.dot_iu_command_catalog") ==
                  static_cast<long>(hostile.catalog_at("034").value().size()));
            db.check_canary(path, p);
            continue;
        }
        // apply → rollback → re-apply, each on a new connection.
        auto proof = iucore::prove(db.conninfo(), hostile, "035");
        // The server may refuse a long name: a btree entry of the catalog's primary key holds at
        // most ~2.7 KB after compression (a 1 MB name does not fit). For a name over 2000 bytes
        // that refusal is a clear error, and nothing is half-applied.
        if (!proof && p.text.size() > 2000 && contains(proof.error().message, "index row")) {
            expect_clear(path, p, proof, {errc::database});
            CHECK(db.count("SELECT count(*) FROM public.dot_iu_command_catalog") ==
                  static_cast<long>(hostile.catalog_at("034").value().size()));
            db.check_canary(path, p);
            continue;
        }
        const auto proved = ok(std::move(proof), "prove 035");
        CHECK(proved.ok());
        const auto verified = ok(iucore::verify(db.db(), hostile), "verify");
        CHECK(verified.ok());
        const auto diffed = ok(iucore::diff_live(db.db(), hostile), "diff");
        CHECK(diffed.differences.empty());
        const auto live = ok(iucore::read_catalog(db.db(), hostile), "read_catalog");
        const auto* row = live.find(command);
        REQUIRE(row != nullptr);
        CHECK(row->category == p.text);
        // The run is logged under the exact name (the function refuses: its gates are closed).
        const auto run = ok(iucore::run_command(db.db(), hostile, command, {"actor=operator"}, "t"),
                            "run the hostile command");
        const auto logged = db.run_log_row(run.run_id.value());
        CHECK(logged.command_name == command);
        // …so the rollback guard finds that run and refuses.
        const auto rollback = iucore::rollback(db.db(), hostile, "035");
        REQUIRE_FALSE(rollback.has_value());
        CHECK(iucore::code_of(rollback.error()) == errc::refused);
        CHECK(db.count("SELECT count(*) FROM public.dot_iu_command_catalog") ==
              static_cast<long>(hostile.ssot().size()));
        if (proved.ok() && verified.ok() && diffed.differences.empty() && row->category == p.text &&
            logged.command_name == command && !rollback)
            stored_verbatim(path, p);
        db.check_canary(path, p);
    }
}

TEST_CASE("schema names: hostile table and column names are quoted, or refused with a message") {
    hostile_database db("schema");
    for (const auto& p : payloads()) {
        CAPTURE(p.name);
        auto run_log = example();
        run_log.schema.run_log.table = p.text;
        expect_clear(
            "C++ schema: run-log table", p,
            iucore::run_command(db.db(), run_log, rollback_by_actor, {"actor=operator"}, "t"),
            {errc::invalid_argument, errc::database});
        db.check_canary("C++ schema: run-log table", p);

        auto configs = example();
        configs.schema.configs.value_column = p.text;
        expect_clear("C++ schema: config column", p,
                     iucore::explain_live(db.db(), configs, rollback_by_actor, {"actor=a"}),
                     {errc::invalid_argument, errc::database});
        db.check_canary("C++ schema: config column", p);

        auto catalog = example();
        catalog.schema.catalog.table = p.text;
        expect_clear("C++ schema: catalog table", p, iucore::verify(db.db(), catalog),
                     {errc::invalid_argument, errc::database});
        db.check_canary("C++ schema: catalog table", p);
    }
}

TEST_CASE("promote: a hostile function or command name is refused with a message") {
    hostile_database db("promote");
    for (const auto& p : payloads()) {
        CAPTURE(p.name);
        iucore::promote_options function;
        function.function = p.text;
        function.command = "dot_iu_promoted";
        function.category = "collection";
        // Invalid UTF-8 reaches the server as a parameter, which refuses it.
        expect_clear("C++ promote: function name", p, iucore::promote(db.db(), example(), function),
                     {errc::invalid_argument, errc::database});
        for (const auto& command : {p.text, "dot_iu_" + p.text}) {
            iucore::promote_options named;
            named.function = "fn_iu_instance_archive";
            named.command = command;
            named.category = "collection";
            expect_clear("C++ promote: command name", p, iucore::promote(db.db(), example(), named),
                         {errc::invalid_argument});
        }
        db.check_canary("C++ promote", p);
    }
}

// ---------------------------------------------------------------------------------------------
// The C ABI (when capi/ is built): the same payloads through const char* and JSON text

#ifdef IUCORE_HOSTILE_CAPI

namespace {

/// A C ABI failure: one of `codes`, the thread's last error agreeing, a clear message.
void expect_c_error(const std::string& path, const payload& p, int rc,
                    std::initializer_list<int> codes) {
    CAPTURE(path);
    CAPTURE(p.name);
    const std::string message = iucore_last_error_message();
    bool expected = false;
    for (int c : codes)
        expected = expected || rc == c;
    CHECK_MESSAGE(expected, path << ": status " << rc << ": " << shown(message));
    CHECK(iucore_last_error_code() == rc);
    CHECK_MESSAGE(clear_message(message), path << ": unclear message: " << shown(message));
    if (expected && clear_message(message)) clear_error(path, p);
}

std::string json_array(const std::vector<std::string>& items) {
    json::array a;
    for (const auto& i : items)
        a.emplace_back(json::string(i));
    return json::serialize(a);
}

json::value take(char* text) {
    REQUIRE(text != nullptr);
    auto v = json::parse(text);
    iucore_free(text);
    return v;
}

struct c_definition {
    iucore_definition* handle = nullptr;
    c_definition() {
        const auto path = iucore::testing::examples_path("definition/iu_core.json");
        REQUIRE(iucore_definition_load_file(&handle, path.c_str()) == IUCORE_OK);
    }
    ~c_definition() { iucore_definition_destroy(&handle); }
};

} // namespace

TEST_CASE("C ABI: hostile values are bound verbatim or refused, names refused") {
    c_definition d;
    for (const auto& p : payloads()) {
        CAPTURE(p.name);
        char* out = nullptr;
        const std::string path = "C ABI explain: text argument value";
        const int rc = iucore_explain(&out, nullptr, d.handle, from_event.c_str(),
                                      json_array(from_event_tokens(p.text, "operator")).c_str());
        if (p.pg_text()) {
            REQUIRE_MESSAGE(rc == IUCORE_OK, iucore_last_error_message());
            const auto report = take(out);
            CHECK(report.at("params").at(6).as_string() == p.text);
            if (report.at("params").at(6).as_string() == p.text) stored_verbatim(path, p);
        } else {
            CHECK(out == nullptr);
            expect_c_error(path, p, rc, {IUCORE_E_INVALID_ARGUMENT, IUCORE_E_INVALID_UTF8});
        }
        out = nullptr;
        const int named = iucore_explain(&out, nullptr, d.handle, p.text.c_str(), "[]");
        CHECK(out == nullptr);
        expect_c_error("C ABI explain: command name", p, named,
                       {IUCORE_E_INVALID_ARGUMENT, IUCORE_E_INVALID_UTF8});

        // A definition from JSON text: loads with the row verbatim, or is refused.
        const auto text = json::serialize(json::value_from(with_hostile_row(p)));
        iucore_definition* loaded = nullptr;
        const int load = iucore_definition_load_json(&loaded, text.c_str(), "hostile.json");
        const std::string load_path = "C ABI definition JSON: catalog row";
        if (p.pg_text()) {
            REQUIRE_MESSAGE(load == IUCORE_OK, iucore_last_error_message());
            char* catalog = nullptr;
            REQUIRE(iucore_catalog(&catalog, loaded, "035") == IUCORE_OK);
            const auto rows = take(catalog);
            bool found = false;
            for (const auto& row : rows.as_array())
                found = found || row.at("command_name").as_string() == "dot_iu_h_" + p.text;
            CHECK(found);
            char* rendered = nullptr;
            CHECK(iucore_render_forward(&rendered, loaded, "035") == IUCORE_OK);
            iucore_free(rendered);
            if (found) stored_verbatim(load_path, p);
        } else if (load == IUCORE_OK) {
            // A \u0000 in the JSON loads; rendering refuses it.
            char* rendered = nullptr;
            expect_c_error(load_path, p, iucore_render_forward(&rendered, loaded, "035"),
                           {IUCORE_E_INVALID_ARGUMENT});
            CHECK(rendered == nullptr);
        } else {
            expect_c_error(load_path, p, load, {IUCORE_E_INVALID_UTF8, IUCORE_E_JSON});
        }
        iucore_definition_destroy(&loaded);
    }
}

TEST_CASE("C ABI: a run stores hostile values in the run log verbatim, or writes nothing") {
    hostile_database db("capi");
    c_definition d;
    iucore_session* s = nullptr;
    REQUIRE(iucore_session_open(&s, db.conninfo().c_str()) == IUCORE_OK);
    for (const auto& p : payloads()) {
        CAPTURE(p.name);
        const std::string path = "C ABI run: run-log args and actor";
        const auto before = db.run_log_rows();
        char* out = nullptr;
        // A C string ends at the first NUL, so the actor of a non-text payload is plain.
        const std::string actor = p.pg_text() ? p.text : "operator";
        const int rc =
            iucore_run(&out, s, d.handle, from_event.c_str(),
                       json_array(from_event_tokens(p.text, p.text)).c_str(), actor.c_str());
        if (p.pg_text()) {
            REQUIRE_MESSAGE(rc == IUCORE_OK, iucore_last_error_message());
            const auto report = take(out);
            CHECK(report.at("outcome").as_string() == "refused");
            db.check_run_logged(report.at("run_id").as_int64(), from_event, path, p);
        } else {
            CHECK(out == nullptr);
            expect_c_error(path, p, rc, {IUCORE_E_INVALID_ARGUMENT, IUCORE_E_INVALID_UTF8});
            CHECK(db.run_log_rows() == before);
        }
        db.check_canary(path, p);
    }
    iucore_session_close(&s);
}

#endif // IUCORE_HOSTILE_CAPI

int main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    const int failed = context.run();
    if (context.shouldExit()) return failed;
    std::printf("hostile: %zu payloads, %zu paths, %ld injections, %ld stored verbatim, %ld clear "
                "errors\n",
                tally.payloads.size(), tally.paths.size(), tally.injections, tally.verbatim,
                tally.clear_errors);
    return failed != 0 || tally.injections != 0 ? 1 : 0;
}
