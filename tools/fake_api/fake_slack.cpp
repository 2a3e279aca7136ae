// Slack's incoming webhooks (any path under /slack/) and chat.postMessage, with the checks Slack
// makes of a message: JSON, text or blocks, Block Kit's limits, the bot token.
#include "fake_apis.hpp"

namespace strata::fake {
namespace {

std::size_t chars(const std::string& s) {
    std::size_t n = 0;
    for (char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    return n;
}

// A text object: {"type": "plain_text"|"mrkdwn", "text": ...} within `limit` characters.
std::string invalid_text(const json& t, std::size_t limit, bool plain_only) {
    if (!t.is_object() || !t.contains("type") || !t.contains("text") || !t["text"].is_string())
        return "a text object needs type and text";
    auto type = t["type"].get<std::string>();
    if (type != "plain_text" && (plain_only || type != "mrkdwn"))
        return "invalid text type " + type;
    if (chars(t["text"].get<std::string>()) > limit)
        return "text longer than " + std::to_string(limit) + " characters";
    return "";
}

// Block Kit's limits for the blocks Strata sends; "" when valid.
std::string invalid_blocks(const json& blocks) {
    if (!blocks.is_array()) return "blocks must be an array";
    if (blocks.size() > 50) return "more than 50 blocks";
    for (const auto& b : blocks) {
        auto type = b.value("type", "");
        if (type == "section") {
            if (auto bad = invalid_text(b.value("text", json()), 3000, false); !bad.empty())
                return "section: " + bad;
        } else if (type == "actions") {
            const auto& elements = b.value("elements", json::array());
            if (!elements.is_array() || elements.empty() || elements.size() > 25)
                return "actions need 1 to 25 elements";
            std::set<std::string> ids;
            for (const auto& e : elements) {
                if (e.value("type", "") != "button") return "only buttons are expected";
                if (auto bad = invalid_text(e.value("text", json()), 75, true); !bad.empty())
                    return "button: " + bad;
                auto url = e.value("url", "");
                if (url.size() > 3000 ||
                    (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0))
                    return "button url must be an http(s) URL of at most 3000 characters";
                auto id = e.value("action_id", "");
                if (id.empty() || id.size() > 255 || !ids.insert(id).second)
                    return "button action_id must be unique and at most 255 characters";
            }
        } else if (type == "context" || type == "divider" || type == "header") {
            continue;
        } else {
            return "unsupported block type '" + type + "'";
        }
    }
    return "";
}

}  // namespace

HttpResponse FakeApis::slack(const HttpRequest& req) {
    HttpResponse resp;
    if (inject_failure("slack", resp)) return resp;
    bool web_api = req.path == "/api/chat.postMessage";
    auto fail = [&](const std::string& error) {
        if (web_api) return HttpResponse::json(200, json{{"ok", false}, {"error", error}}.dump());
        return HttpResponse::text(error == "invalid_token" ? 403 : 400, error);
    };
    if (req.method != "POST") return HttpResponse::text(405, "invalid_method");
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object()) return fail("invalid_payload");
    if (web_api) {
        auto auth = req.header("authorization");
        if (auth.empty()) return fail("not_authed");
        if (auth.rfind("Bearer xoxb-", 0) != 0 && auth.rfind("Bearer xoxp-", 0) != 0)
            return fail("invalid_auth");
        if (body.value("channel", "").empty()) return fail("channel_not_found");
    }
    if (!body.contains("text") && !body.contains("blocks"))
        return fail(web_api ? "no_text" : "no_text");
    if (body.contains("text") && !body["text"].is_string()) return fail("invalid_payload");
    if (body.contains("blocks")) {
        if (auto bad = invalid_blocks(body["blocks"]); !bad.empty()) {
            json rejected = {{"path", req.path}, {"rejected", bad}};
            slack_messages_.push_back(rejected);
            return fail("invalid_blocks");
        }
    }
    slack_messages_.push_back({{"path", req.path},
                               {"channel", web_api ? body["channel"] : json("webhook")},
                               {"text", body.value("text", "")},
                               {"blocks", body.value("blocks", json::array())}});
    if (web_api)
        return HttpResponse::json(200, json{{"ok", true},
                                            {"channel", body["channel"]},
                                            {"ts", std::to_string(next_id_++) + ".000100"}}
                                           .dump());
    return HttpResponse::text(200, "ok");
}

}  // namespace strata::fake
