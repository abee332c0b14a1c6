#pragma once
// The file side of the engine layer: definition files and pin sites. (The core parses text;
// reading and writing files happens here, beside the other I/O.)

#include <iucore/definition.hpp>
#include <iucore/reports.hpp>

#include <string>
#include <vector>

namespace iucore {

result<std::string> read_text_file(const std::string& path);
result<definition> load_definition_file(const std::string& path);
enum class existing_file { replace, refuse };
/// Writes the definition as indented JSON (what promote produces), atomically. With
/// existing_file::refuse (init) a file already at `path` is never replaced: an error.
result<void> save_definition_file(const definition& d, const std::string& path,
                                  existing_file existing = existing_file::replace);

/// Every version's figures; with `check`, reads each pin site (relative to `base_dir`, the
/// definition file's directory) and names every one that disagrees.
result<pins_report> pins(const definition& d, bool check, const std::string& base_dir);

} // namespace iucore
