#pragma once
// Quoting many values while rendering one text: remembers the first quoting failure so the
// rendering code reads as SQL, and the caller still gets a result that names the bad value.

#include <iucore/error.hpp>
#include <iucore/sql_text.hpp>

#include <optional>
#include <string>
#include <vector>

namespace iucore::detail {

class sql_quoter {
  public:
    std::string lit(std::string_view value) { return keep(quote_literal(value), value); }
    std::string ident(std::string_view name) { return keep(quote_identifier(name), name); }
    /// ident(name), appended to `out`.
    void append_ident(std::string& out, std::string_view name) {
        if (auto appended = append_identifier(out, name); !appended)
            out += keep(appended.error(), name);
    }
    std::string table(std::string_view qualified) {
        return keep(quote_qualified_name(qualified), qualified);
    }
    std::string text_array(const std::vector<std::string>& items) {
        std::string out = "ARRAY[";
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i) out += ", ";
            out += lit(items[i]);
        }
        out += "]::text[]";
        return out;
    }
    static std::string boolean(bool b) { return b ? "true" : "false"; }

    /// Success, or the first value that could not be quoted.
    result<void> status() const {
        if (error_) return *error_;
        return boost::outcome_v2::success();
    }

  private:
    std::string keep(result<std::string> quoted, std::string_view input) {
        if (quoted) return std::move(quoted).value();
        return keep(quoted.error(), input);
    }
    std::string keep(const failure& error, std::string_view input) {
        if (!error_) error_ = error;
        return "<unquotable:" + std::to_string(input.size()) + " bytes>";
    }
    std::optional<failure> error_;
};

} // namespace iucore::detail
