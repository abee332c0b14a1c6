#pragma once
// Shared plumbing of the iucore command-line host: options, output, exit codes.

#include <iucore/definition.hpp>
#include <iucore/engine/session.hpp>
#include <iucore/reports.hpp>

#include <boost/json.hpp>

#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace iucore::cli {

/// Exit codes: 0 done; 1 refused or a check failed; 2 usage or definition error;
/// 3 database or connection error; 128 + the signal when interrupted (130 SIGINT, 143 SIGTERM).
enum exit_code { done = 0, refused_or_failed = 1, usage_error = 2, database_error = 3 };

struct context {
    std::string verb;
    std::string conninfo; // --db; empty: the PG* environment
    bool db_given = false;
    std::string definition_path; // where the definition was found
    bool json = false;           // --json
    connection_options connection;
    definition def;
};

int exit_for(const failure& f);
/// Prints a failure (text or JSON) and returns its exit code; a failure caused by SIGINT or
/// SIGTERM is reported as a cancellation and exits 128 + the signal.
int report_failure(const context& ctx, const failure& f);
/// A usage error (exit 2): JSON on stdout with --json, else a line on stderr.
int report_usage(bool json, const std::string& message);

/// Prints a report as JSON or text, and returns `code`.
template <class Report, class TextFn>
int print(const context& ctx, const Report& report, TextFn text_of, int code = done) {
    if (ctx.json)
        std::cout << boost::json::serialize(report_json(report)) << "\n";
    else
        std::cout << text_of(report);
    return code;
}

/// Connects with the context's conninfo and options (application name, timeouts, progress).
result<session> connect(const context& ctx);

int run_demo(context& ctx);

} // namespace iucore::cli
