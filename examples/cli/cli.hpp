#pragma once
// Shared plumbing of the iucore command-line host: options, output, exit codes.

#include <iucore/definition.hpp>
#include <iucore/engine/session.hpp>

#include <boost/json.hpp>

#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace iucore::cli {

/// Exit codes: 0 done; 1 refused or a check failed; 2 usage or definition error;
/// 3 database or connection error.
enum exit_code { done = 0, refused_or_failed = 1, usage_error = 2, database_error = 3 };

struct context {
    std::string conninfo; // --db; empty: the PG* environment
    bool db_given = false;
    std::string definition_path; // --definition
    bool json = false;           // --json
    definition def;
};

int exit_for(const failure& f);
/// Prints a failure (text or JSON) and returns its exit code.
int report_failure(const context& ctx, const failure& f);

/// Prints a report as JSON or text, and returns `code`.
template <class Report, class TextFn>
int print(const context& ctx, const Report& report, TextFn text_of, int code = done) {
    if (ctx.json)
        std::cout << boost::json::serialize(boost::json::value_from(report)) << "\n";
    else
        std::cout << text_of(report);
    return code;
}

int run_demo(context& ctx, const std::vector<std::string>& args);

} // namespace iucore::cli
