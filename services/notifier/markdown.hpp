// Markdown helpers shared by the check-run, pull-request comment and Slack renderers. Plain
// functions; sizes are in bytes (UTF-8), which is never less than GitHub's count of characters,
// so a text that fits here fits there.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "strata/payloads.hpp"

namespace strata::notifier {

// Cuts text to at most `limit` bytes so that it still reads well: never inside a UTF-8
// sequence, an open ``` code block or <details> is closed, and `tail` (a note with a link to
// the full log, say) ends it. Text within the limit is returned as it is.
std::string fit_markdown(std::string text, std::size_t limit, const std::string& tail);

// Cuts to at most `limit` bytes (not inside a UTF-8 sequence), ending with "…" when cut.
std::string cut_utf8(std::string text, std::size_t limit);

// Number of Unicode characters (code points) of UTF-8 text, as GitHub counts them.
std::size_t utf8_length(std::string_view text);

std::string short_sha(const std::string& sha);

// "2026-11-20T22:41:58.752Z" -> "2026-11-20 22:41:58 UTC"; other text unchanged.
std::string readable_time(const std::string& rfc3339);

// "2 to add, 1 to change, 0 to destroy" (+ ", 1 to replace", imports and moves when any).
std::string plan_counts(const PlanSummary& plan);

// The plan's resources as a ```diff block; folded in <details> past `fold_after` entries and
// cut after `max_shown` with a count of the rest.
std::string resource_block(const std::vector<std::string>& resources, std::size_t fold_after,
                           std::size_t max_shown);

// Backticks and pipes would end inline code or a table cell early.
std::string inline_code(const std::string& text);

// For text inside HTML (<summary>): &, < and > escaped.
std::string html_escape(const std::string& text);

}  // namespace strata::notifier
