#include "markdown.hpp"

namespace strata::notifier {
namespace {

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos;
         pos = text.find(needle, pos + needle.size()))
        ++n;
    return n;
}

// Drops a trailing partial UTF-8 sequence.
void trim_partial_utf8(std::string& text) {
    std::size_t i = text.size();
    std::size_t continuation = 0;
    while (i > 0 && (static_cast<unsigned char>(text[i - 1]) & 0xC0) == 0x80) --i, ++continuation;
    if (i == 0) return;
    auto lead = static_cast<unsigned char>(text[i - 1]);
    std::size_t expected = lead < 0x80    ? 0
                           : lead >= 0xF0 ? 3
                           : lead >= 0xE0 ? 2
                           : lead >= 0xC0 ? 1
                                          : 0;
    if (lead >= 0x80 && continuation < expected) text.resize(i - 1);
}

}  // namespace

std::string cut_utf8(std::string text, std::size_t limit) {
    if (text.size() <= limit) return text;
    const std::string ellipsis = "…";
    text.resize(limit > ellipsis.size() ? limit - ellipsis.size() : 0);
    trim_partial_utf8(text);
    return text + (limit >= ellipsis.size() ? ellipsis : "");
}

std::size_t utf8_length(std::string_view text) {
    std::size_t n = 0;
    for (char c : text)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    return n;
}

std::string fit_markdown(std::string text, std::size_t limit, const std::string& tail) {
    if (text.size() <= limit) return text;
    const std::string fence = "\n```";
    const std::string details = "\n</details>";
    // Room for the worst case: a fence, every open <details> closed, and the tail.
    std::size_t open_details = count(text, "<details>");
    std::size_t reserve = tail.size() + fence.size() + open_details * details.size();
    text.resize(limit > reserve ? limit - reserve : 0);
    trim_partial_utf8(text);
    // Not in the middle of a line: cut back to the last line end when one is near.
    if (auto nl = text.rfind('\n'); nl != std::string::npos && text.size() - nl < 400)
        text.resize(nl);
    if (count(text, "```") % 2 == 1) text += fence;
    for (auto open = count(text, "<details>"), closed = count(text, "</details>"); closed < open;
         ++closed)
        text += details;
    return text + tail;
}

std::string short_sha(const std::string& sha) { return sha.substr(0, 7); }

std::string readable_time(const std::string& t) {
    // 2026-11-20T22:41:58(.fff)Z
    if (t.size() < 20 || t[10] != 'T' || t.back() != 'Z') return t;
    return t.substr(0, 10) + " " + t.substr(11, 8) + " UTC";
}

std::string plan_counts(const PlanSummary& p) {
    std::string out = std::to_string(p.add) + " to add, " + std::to_string(p.change) +
                      " to change, " + std::to_string(p.destroy) + " to destroy";
    if (p.replace) out += ", " + std::to_string(p.replace) + " to replace";
    if (p.import) out += ", " + std::to_string(p.import) + " to import";
    if (p.move) out += ", " + std::to_string(p.move) + " to move";
    return out;
}

std::string resource_block(const std::vector<std::string>& resources, std::size_t fold_after,
                           std::size_t max_shown) {
    if (resources.empty()) return "";
    std::string block = "```diff\n";
    std::size_t shown = 0;
    for (const auto& r : resources) {
        if (shown == max_shown) break;
        block += r + "\n";
        ++shown;
    }
    block += "```\n";
    if (shown < resources.size())
        block += "\n… and " + std::to_string(resources.size() - shown) + " more.\n";
    if (resources.size() <= fold_after) return block;
    return "<details><summary>" + std::to_string(resources.size()) + " resources</summary>\n\n" +
           block + "</details>\n";
}

std::string inline_code(const std::string& text) {
    std::string clean;
    for (char c : text) clean += (c == '`' || c == '|' || c == '\n') ? '\'' : c;
    return "`" + clean + "`";
}

std::string html_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else
            out += c;
    }
    return out;
}

}  // namespace strata::notifier
