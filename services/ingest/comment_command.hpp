// Pull-request comments that steer Strata: the first line of the comment is
// `strata plan|apply|unlock|confirm|reject [args...]` (words separated by spaces or tabs; what
// follows the first line is free text). Anything else is not a command and is ignored. plan and
// apply are the planner's; unlock, confirm and reject (args: root names) the scheduler's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "strata/result.hpp"

namespace strata::ingest {

struct CommentCommand {
    std::string command;  // "plan" | "apply" | "unlock" | "confirm" | "reject"
    std::vector<std::string> args;
};

constexpr std::size_t kMaxCommandArgs = 32;

// The command in a comment's body; the error says why the comment is not one (the reason it is
// ignored).
Result<CommentCommand> parse_comment_command(std::string_view body);

}  // namespace strata::ingest
