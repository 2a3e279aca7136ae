// The planner service in this process on a real RabbitMQ (its own exchange), driven from the
// test's thread with run_until: publish an event, then read what the planner published from a
// queue bound to every routing key it publishes, and how it settled the event from its
// metrics.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/amqp.hpp"
#include "strata/daemon.hpp"
#include "strata/messages.hpp"

namespace strata::planner::testing {

class PlannerHarness {
public:
    // config: planner options by key ("cache_dir", "clone_url_template", ...).
    explicit PlannerHarness(std::map<std::string, std::string> config);  // throws on failure
    ~PlannerHarness();
    PlannerHarness(const PlannerHarness&) = delete;
    PlannerHarness& operator=(const PlannerHarness&) = delete;

    // Publishes (confirmed) a message as any producer would.
    template <class T>
    void publish(const Message<T>& m) {
        publish_raw(std::string(T::kType), encode(m), m.envelope.id);
    }
    void publish_raw(const std::string& routing_key, const std::string& body,
                     const std::string& id);

    // Runs the loop until `count` messages of `type` arrived downstream (10 s at most); all of
    // that type so far, in arrival order.
    std::vector<Envelope> wait_for(const std::string& type, std::size_t count);
    template <class T>
    std::vector<Message<T>> received(std::size_t count) {
        std::vector<Message<T>> out;
        wait_for(std::string(T::kType), count);
        for (const auto& body : bodies_[std::string(T::kType)]) out.push_back(*decode<T>(body));
        return out;
    }
    // Runs until the planner settled `count` messages of `type` with `outcome` ("acked",
    // "dead_lettered", "requeued", "ignored"); returns whether it did within 10 s.
    bool settled(const std::string& type, const std::string& outcome, long long count = 1);
    // Everything received downstream so far, by type.
    std::size_t count(const std::string& type) const;
    long long metric(const std::string& name, const Labels& labels = {});

    Loop& loop() { return loop_; }

private:
    Loop loop_;
    Metrics metrics_;
    std::unique_ptr<HttpServer> http_;
    std::unique_ptr<AmqpClient> amqp_;
    std::optional<ParsedCommandLine> parsed_;
    std::unique_ptr<DaemonContext> ctx_;
    std::unique_ptr<Service> service_;
    std::map<std::string, std::vector<std::string>> bodies_;
};

// A RepoRef for an upstream served over file://.
RepoRef repo_ref(const std::string& full_name, const std::string& url,
                 const std::string& default_branch = "main");

// An envelope-wrapped event as ingest would publish it (fresh id unless given).
template <class T>
Message<T> event(T payload, std::string id = "") {
    return make_message(std::move(payload), Origin{"ingest", new_uuid(), ""}, std::move(id));
}

}  // namespace strata::planner::testing
