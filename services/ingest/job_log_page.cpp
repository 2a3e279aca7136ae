#include "job_log_page.hpp"

#include <chrono>
#include <set>

#include "strata/job_log_store.hpp"
#include "strata/log.hpp"

namespace strata::ingest {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = 250ms;
constexpr auto kLongestWait = 15s;
constexpr int kRetryMs = 250;
constexpr const char* kBatch = "500";

const std::set<std::string> kFinished = {"succeeded",        "failed",    "timed_out", "rejected",
                                         "review_timed_out", "cancelled", "skipped"};

std::string html_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

// XRANGE / XREVRANGE reply -> entries.
std::vector<LiveLogEntry> parse_entries(const RedisReply& reply) {
    std::vector<LiveLogEntry> out;
    for (const auto& e : reply.elements) {
        if (e.elements.size() != 2) continue;
        LiveLogEntry entry{e.elements[0].str, "", false};
        const auto& fields = e.elements[1].elements;
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
            if (fields[i].str == "line") entry.line = fields[i + 1].str;
            if (fields[i].str == "end") entry.end = true;
        }
        out.push_back(std::move(entry));
    }
    return out;
}

struct Wait {
    std::string id;
    std::string after;
    HttpResponder respond;
    Clock::time_point deadline;
    std::unique_ptr<Timer> timer;
};

class JobLogPage : public std::enable_shared_from_this<JobLogPage> {
public:
    JobLogPage(DaemonContext& ctx, std::string prefix, std::string dir)
        : loop_(ctx.loop),
          redis_(*ctx.redis),
          prefix_(std::move(prefix)),
          store_(make_directory_log_store(std::move(dir))) {}

    void handle(const HttpRequest& req, HttpResponder respond) {
        std::string rest = req.path.substr(std::string("/jobs/").size());
        std::string view;
        if (auto slash = rest.find('/'); slash != std::string::npos) {
            view = rest.substr(slash + 1);
            rest = rest.substr(0, slash);
        }
        if (!valid_log_id(rest) || (view != "" && view != "events" && view != "log"))
            return respond(HttpResponse::text(404, "not found\n"));
        if (view == "events") {
            std::string after = req.header("last-event-id");
            if (after.empty() && req.query.rfind("after=", 0) == 0) after = req.query.substr(6);
            auto w = std::make_shared<Wait>(Wait{rest, after.empty() ? "-" : "(" + after,
                                                 std::move(respond), Clock::now() + kLongestWait,
                                                 std::make_unique<Timer>(loop_)});
            waits_.insert(w);
            return poll(w);
        }
        whole_log(rest, [self = shared_from_this(), rest, view, respond](
                            int status, std::vector<std::string> lines, bool live) {
            if (status != 200) return respond(HttpResponse::text(status, "no such deployment\n"));
            HttpResponse r;
            if (view == "log") {
                for (const auto& l : lines) r.body += l + "\n";
            } else {
                r.content_type = "text/html; charset=utf-8";
                r.body = render_log_page(rest, lines, live);
            }
            r.headers["Cache-Control"] = "no-store";
            respond(std::move(r));
        });
    }

private:
    using Ended = std::function<void(Result<bool>)>;

    // Ended: the stream's last entry is the end marker, or the deployment finished.
    void ended(const std::string& id, Ended done) {
        redis_.command({"XREVRANGE", live_log_key(prefix_, id), "+", "-", "COUNT", "1"},
                       [this, id, done](Result<RedisReply> last) {
                           if (!last) return done(last.error());
                           auto entries = parse_entries(*last);
                           if (!entries.empty() && entries.back().end) return done(true);
                           redis_.command({"HGET", prefix_ + ":dep:" + id, "state"},
                                          [done](Result<RedisReply> state) {
                                              if (!state) return done(state.error());
                                              done(kFinished.count(state->str) > 0);
                                          });
                       });
    }

    void poll(const std::shared_ptr<Wait>& w) {
        auto self = shared_from_this();
        redis_.command(
            {"XRANGE", live_log_key(prefix_, w->id), w->after, "+", "COUNT", kBatch},
            [self, w](Result<RedisReply> reply) {
                if (!reply) return self->answer(w, HttpResponse::text(503, "redis unavailable\n"));
                auto entries = parse_entries(*reply);
                if (!entries.empty()) return self->answer(w, events(render_events(entries, false)));
                self->ended(w->id, [self, w](Result<bool> over) {
                    if (!over)
                        return self->answer(w, HttpResponse::text(503, "redis unavailable\n"));
                    if (*over || Clock::now() >= w->deadline)
                        return self->answer(w, events(render_events({}, *over)));
                    std::weak_ptr<Wait> weak = w;
                    w->timer->start(kPollInterval, [self, weak] {
                        if (auto w = weak.lock()) self->poll(w);
                    });
                });
            });
    }

    static HttpResponse events(std::string body) {
        HttpResponse r;
        r.content_type = "text/event-stream";
        r.body = std::move(body);
        r.headers["Cache-Control"] = "no-store";
        return r;
    }

    void answer(const std::shared_ptr<Wait>& w, HttpResponse r) {
        w->respond(std::move(r));
        loop_.post([self = shared_from_this(), w] { self->waits_.erase(w); });  // not in its timer
    }

    // The whole log: the stored one once the deployment's output ended (or the stream expired),
    // else the stream so far. status 404 when nothing at all is known of the deployment.
    void whole_log(const std::string& id,
                   std::function<void(int, std::vector<std::string>, bool)> done) {
        auto self = shared_from_this();
        redis_.command({"XRANGE", live_log_key(prefix_, id), "-", "+"}, [self, id, done](
                                                                            Result<RedisReply> r) {
            if (!r) return done(503, {}, false);
            auto entries = parse_entries(*r);
            self->ended(id, [self, id, done, entries](Result<bool> over) {
                if (!over) return done(503, {}, false);
                bool live = !*over;
                auto stored = std::make_shared<std::vector<StoredJobLog>>();
                self->loop_.queue_work(
                    [self, id, stored, live] {
                        if (live) return;
                        if (auto got = self->store_->get(id)) *stored = std::move(*got);
                    },
                    [self, id, done, entries, stored, live] {
                        std::vector<std::string> lines;
                        for (const auto& log : *stored) {
                            std::size_t start = 0;
                            for (auto nl = log.text.find('\n'); nl != std::string::npos;
                                 start = nl + 1, nl = log.text.find('\n', start))
                                lines.push_back(log.text.substr(start, nl - start));
                        }
                        if (lines.empty())
                            for (const auto& e : entries)
                                if (!e.end) lines.push_back(e.line);
                        if (lines.empty() && entries.empty())
                            return self->exists(id, [done, live](bool found) {
                                done(found ? 200 : 404, {}, live);
                            });
                        done(200, std::move(lines), live);
                    });
            });
        });
    }

    void exists(const std::string& id, std::function<void(bool)> done) {
        redis_.command({"EXISTS", prefix_ + ":dep:" + id},
                       [done](Result<RedisReply> r) { done(r && r->integer > 0); });
    }

    Loop& loop_;
    RedisClient& redis_;
    std::string prefix_;
    std::unique_ptr<JobLogStore> store_;
    std::set<std::shared_ptr<Wait>> waits_;
};

}  // namespace

std::string render_events(const std::vector<LiveLogEntry>& entries, bool ended) {
    std::string out = "retry: " + std::to_string(kRetryMs) + "\n\n";
    for (const auto& e : entries) {
        if (e.end) {
            out += "id: " + e.id + "\nevent: end\ndata: end\n\n";
            continue;
        }
        std::string line = e.line;
        for (auto& c : line)
            if (c == '\r') c = ' ';
        out += "id: " + e.id + "\ndata: " + line + "\n\n";
    }
    if (ended) out += "event: end\ndata: end\n\n";
    if (entries.empty() && !ended) out += ": nothing new yet\n\n";
    return out;
}

std::string render_log_page(const std::string& deployment_id, const std::vector<std::string>& lines,
                            bool live) {
    std::string id = html_escape(deployment_id);
    std::string body;
    for (const auto& l : lines) body += html_escape(l) + "\n";
    std::string out =
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>strata: " + id +
        "</title>\n<style>body{font-family:sans-serif;margin:1em}pre{background:#111;color:#ddd;"
        "padding:1em;white-space:pre-wrap;word-break:break-all}</style></head>\n<body>\n"
        "<h1>Deployment " +
        id + "</h1>\n<p id=\"status\">" + (live ? "running: following the log" : "finished") +
        "</p>\n<pre id=\"log\">" + (live ? "" : body) + "</pre>\n";
    if (live) {
        out +=
            "<script>\n"
            "const log = document.getElementById('log');\n"
            "const status = document.getElementById('status');\n"
            "const events = new EventSource(location.pathname.replace(/\\/$/, '') + '/events');\n"
            "events.onmessage = (e) => {\n"
            "  const follow = window.innerHeight + window.scrollY >= document.body.scrollHeight - "
            "4;\n"
            "  log.append(e.data + '\\n');\n"
            "  if (follow) window.scrollTo(0, document.body.scrollHeight);\n"
            "};\n"
            "events.addEventListener('end', () => { events.close(); status.textContent = "
            "'finished'; });\n"
            "</script>\n";
    }
    return out + "</body></html>\n";
}

void register_job_log_page(DaemonContext& ctx) {
    auto page = std::make_shared<JobLogPage>(ctx, ctx.config.get("redis_prefix"),
                                             ctx.config.get("job_log_dir"));
    ctx.http.route_prefix("GET", "/jobs/", [page](const HttpRequest& req, HttpResponder respond) {
        page->handle(req, std::move(respond));
    });
}

}  // namespace strata::ingest
