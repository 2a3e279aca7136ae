#include "queue_status.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace strata::cli {
namespace {

using Type = RedisReply::Type;

std::string glob_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

std::map<std::string, std::string> as_hash(const RedisReply& r) {
    std::map<std::string, std::string> out;
    if (r.type != Type::Array) return out;
    for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
        out[r.elements[i].str] = r.elements[i + 1].str;
    return out;
}

std::string short_sha(const std::string& rev) { return rev.substr(0, 12); }

// Root names of a repository: the scheduler's set, else whatever root keys exist.
Result<std::vector<std::string>> root_names(const RedisCall& call, const std::string& P,
                                            const std::string& repo) {
    std::set<std::string> names;
    auto members = call({"SMEMBERS", P + ":repo:" + repo + ":roots"});
    if (members && members->type == Type::Array)
        for (const auto& m : members->elements) names.insert(m.str);
    if (!members && members.error().message.find("WRONGTYPE") == std::string::npos)
        return members.error();
    if (names.empty()) {
        const std::string head = P + ":root:" + repo + "||";
        std::string cursor = "0";
        do {
            auto page = call({"SCAN", cursor, "MATCH", glob_escape(head) + "*", "COUNT", "500"});
            if (!page) return page.error();
            if (page->type != Type::Array || page->elements.size() != 2)
                return make_error("unexpected SCAN reply");
            cursor = page->elements[0].str;
            for (const auto& key : page->elements[1].elements) {
                auto rest = key.str.substr(head.size());
                names.insert(rest.substr(0, rest.find(':')));
            }
        } while (cursor != "0");
    }
    return std::vector<std::string>(names.begin(), names.end());
}

std::string describe_lock(const RedisCall& call, const std::string& key, RootQueue& q) {
    auto type = call({"TYPE", key});
    if (!type || type->str == "none") return "";
    if (type->str == "hash") {
        auto reply = call({"HGETALL", key});
        auto h = reply ? as_hash(*reply) : std::map<std::string, std::string>{};
        std::string who = h["user"].empty() ? "a manual deploy" : h["user"];
        std::string what = h["deployment"].empty() ? "" : " (" + h["deployment"] + ")";
        return "locked by " + who + what;
    }
    if (type->str == "string") {
        auto v = call({"GET", key});
        return "locked" + (v && !v->str.empty() ? " (" + v->str + ")" : std::string());
    }
    q.notes.push_back(key + " is a " + type->str);
    return "locked";
}

std::vector<std::string> list(const RedisCall& call, const std::string& key, RootQueue& q) {
    auto r = call({"LRANGE", key, "0", "-1"});
    std::vector<std::string> out;
    if (!r) {
        q.notes.push_back(key + ": " + r.error().message);
        return out;
    }
    for (const auto& e : r->elements) out.push_back(e.str);
    return out;
}

std::string string_value(const RedisCall& call, const std::string& key, RootQueue& q) {
    auto r = call({"GET", key});
    if (!r) {
        q.notes.push_back(key + ": " + r.error().message);
        return "";
    }
    return r->str;
}

QueueRow row(const RedisCall& call, const std::string& P, std::string position,
             const std::string& id) {
    QueueRow row;
    row.position = std::move(position);
    row.deployment_id = id;
    auto h = call({"HGETALL", P + ":dep:" + id});
    auto fields = h ? as_hash(*h) : std::map<std::string, std::string>{};
    row.known = !fields.empty();
    row.state = fields["state"];
    row.revision = fields["revision"];
    row.trigger = fields["trigger"];
    row.user = fields["user"];
    row.reason = fields["reason"];
    return row;
}

}  // namespace

Result<std::vector<RootQueue>> read_queues(const RedisCall& call, const std::string& P,
                                           const std::string& repo,
                                           const std::vector<std::string>& roots) {
    std::vector<std::string> names = roots;
    if (names.empty()) {
        auto found = root_names(call, P, repo);
        if (!found) return found.error();
        names = std::move(*found);
    }
    std::vector<RootQueue> out;
    for (const auto& root : names) {
        RootQueue q;
        q.root = root;
        const std::string R = P + ":root:" + repo + "||" + root + ":";
        if (auto ping = call({"PING"}); !ping) return ping.error();
        q.lock = describe_lock(call, R + "lock", q);
        q.last_attempted = string_value(call, R + "last_attempted", q);
        auto inflight = string_value(call, R + "inflight", q);
        if (!inflight.empty()) q.rows.push_back(row(call, P, "running", inflight));
        int position = 0;
        for (const char* queue : {"queue:manual", "queue:merge"})
            for (const auto& id : list(call, R + queue, q))
                q.rows.push_back(row(call, P, std::to_string(++position), id));
        out.push_back(std::move(q));
    }
    return out;
}

std::string render_queues(const std::string& repo, const std::vector<RootQueue>& queues) {
    std::vector<std::vector<std::string>> table = {{"ROOT", "LOCK", "LAST ATTEMPTED", "POS",
                                                    "DEPLOYMENT", "STATE", "REVISION", "TRIGGER",
                                                    "USER"}};
    std::vector<std::string> hints;
    std::size_t waiting = 0;
    for (const auto& q : queues) {
        std::string lock = q.lock.empty() ? "-" : q.lock;
        std::string last = q.last_attempted.empty() ? "-" : short_sha(q.last_attempted);
        if (q.rows.empty()) table.push_back({q.root, lock, last, "-", "(idle)", "", "", "", ""});
        bool first = true;
        for (const auto& r : q.rows) {
            table.push_back({first ? q.root : "", first ? lock : "", first ? last : "", r.position,
                             r.deployment_id, r.known ? r.state : "(unknown)",
                             short_sha(r.revision), r.trigger, r.user});
            first = false;
            if (r.position != "running") ++waiting;
            if (r.state == "awaiting_review")
                hints.push_back("strata confirm --deployment " + r.deployment_id +
                                "   (or reject) to review the plan of " + q.root);
        }
        if (!q.lock.empty())
            hints.push_back("strata unlock --repo " + repo + " --root " + q.root +
                            "   lets merge deploys of " + q.root + " run again");
    }
    std::vector<std::size_t> width(table[0].size(), 0);
    for (const auto& line : table)
        for (std::size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
    std::ostringstream out;
    out << repo << ": " << queues.size() << (queues.size() == 1 ? " root, " : " roots, ") << waiting
        << " waiting\n\n";
    for (const auto& line : table) {
        std::string text;
        for (std::size_t i = 0; i < line.size(); ++i)
            text += line[i] +
                    (i + 1 < line.size() ? std::string(width[i] - line[i].size() + 2, ' ') : "");
        while (!text.empty() && text.back() == ' ') text.pop_back();
        out << text << '\n';
    }
    for (const auto& q : queues)
        for (const auto& note : q.notes) out << "note: " << note << '\n';
    if (!hints.empty()) out << '\n';
    for (const auto& h : hints) out << h << '\n';
    return out.str();
}

}  // namespace strata::cli
