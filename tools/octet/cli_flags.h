// The library names an option a user set as its API spells it (DynamicQuantOptions::op_types);
// the CLI's messages name the flag instead (--ops). The one table between the two.
#pragma once

#include <string>

namespace octet::cli {

// `message` (an octet::Error's, or the page of octet/report.h) with each library option name
// replaced by the flag that sets it.
std::string with_cli_flags(std::string message);

}  // namespace octet::cli
