#include "plan_summary.hpp"

#include <nlohmann/json.hpp>

namespace strata::executor {
namespace {

using nlohmann::json;

// A string member, or "" when it is absent or not a string (json::value() would throw).
std::string string_member(const json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<PlanSummary> summarize_plan(std::string_view show_json) {
    json doc;
    try {
        // Strict: trailing data after the document is an error, not ignored.
        doc = json::parse(show_json.begin(), show_json.end());
    } catch (const json::parse_error& e) {
        return make_error(std::string("plan JSON is not valid JSON: ") + e.what());
    }
    if (!doc.is_object()) return make_error("plan JSON is not an object");
    if (!doc.contains("format_version") || !doc["format_version"].is_string())
        return make_error("plan JSON has no format_version");
    PlanSummary s;
    if (!doc.contains("resource_changes")) return s;
    const auto& changes = doc["resource_changes"];
    if (!changes.is_array()) return make_error("plan JSON resource_changes is not an array");
    for (const auto& rc : changes) {
        if (!rc.is_object() || !rc.contains("change") || !rc["change"].is_object())
            return make_error("plan JSON has a resource change without 'change'");
        const auto& change = rc["change"];
        if (!change.contains("actions") || !change["actions"].is_array())
            return make_error("plan JSON has a resource change without actions");
        std::string address = string_member(rc, "address");
        if (address.empty()) address = "?";
        std::vector<std::string> actions;
        for (const auto& a : change["actions"])
            if (a.is_string()) actions.push_back(a.get<std::string>());
        std::string symbol;
        if (actions == std::vector<std::string>{"delete", "create"} ||
            actions == std::vector<std::string>{"create", "delete"}) {
            ++s.replace;
            symbol = "-/+";
        } else if (actions.size() == 1 && actions[0] == "create") {
            ++s.add;
            symbol = "+";
        } else if (actions.size() == 1 && actions[0] == "update") {
            ++s.change;
            symbol = "~";
        } else if (actions.size() == 1 && actions[0] == "delete") {
            ++s.destroy;
            symbol = "-";
        }
        if (change.contains("importing") && !change["importing"].is_null()) {
            ++s.import;
            if (symbol.empty()) symbol = "<=";
        }
        std::string previous = string_member(rc, "previous_address");
        if (!previous.empty() && previous != address) {
            ++s.move;
            if (symbol.empty()) symbol = "->";
        }
        if (!symbol.empty()) s.resources.push_back(symbol + " " + address);
    }
    return s;
}

}  // namespace strata::executor
