// The summary of a plan from `terraform show -json PLANFILE`: counts per action and the
// resource addresses, never values (sensitive or not).
#pragma once

#include <string_view>

#include "strata/messages.hpp"

namespace strata::executor {

// create -> add; update -> change; delete -> destroy; delete+create (either order) -> replace;
// no-op and read count nothing; an import or a move counts in addition to its action.
Result<PlanSummary> summarize_plan(std::string_view show_json);

}  // namespace strata::executor
