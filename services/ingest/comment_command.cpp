#include "comment_command.hpp"

#include <array>

namespace strata::ingest {
namespace {

constexpr std::array<std::string_view, 5> kCommands = {"plan", "apply", "unlock", "confirm",
                                                       "reject"};

std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (i > start) out.push_back(line.substr(start, i - start));
    }
    return out;
}

}  // namespace

Result<CommentCommand> parse_comment_command(std::string_view body) {
    auto line = body.substr(0, body.find('\n'));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto w = words(line);
    if (w.empty() || w[0] != "strata") return make_error("comment is not a strata command");
    if (w.size() < 2) return make_error("comment names no strata command");
    CommentCommand c;
    for (auto known : kCommands)
        if (w[1] == known) c.command = std::string(known);
    if (c.command.empty())
        return make_error("unknown strata command '" + std::string(w[1].substr(0, 40)) + "'");
    if (w.size() - 2 > kMaxCommandArgs) return make_error("strata command has too many arguments");
    for (std::size_t i = 2; i < w.size(); ++i) c.args.emplace_back(w[i]);
    return c;
}

}  // namespace strata::ingest
