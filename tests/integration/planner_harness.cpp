#include "planner_harness.hpp"

#include <cctype>
#include <stdexcept>

#include "planner_service.hpp"
#include "strata/loop.hpp"
#include "support/test_servers.hpp"

namespace strata::planner::testing {
namespace {

using strata::testing::run_until;

std::string env_name(const std::string& key) {
    std::string out = "STRATA_";
    for (char c : key) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

PlannerHarness::PlannerHarness(std::map<std::string, std::string> config) {
    auto specs = common_option_specs();
    auto info = daemon_info();
    specs.insert(specs.end(), info.options.begin(), info.options.end());
    std::string exchange = strata::testing::unique_name("planner");
    std::vector<std::string> env = {"STRATA_AMQP_URL=" + strata::testing::shared_amqp_url(),
                                    "STRATA_AMQP_EXCHANGE=" + exchange, "STRATA_LOG_LEVEL=warn"};
    for (const auto& [key, value] : config) env.push_back(env_name(key) + "=" + value);
    const char* argv[] = {"strata-planner"};
    auto parsed = parse_command_line(specs, 1, argv, env);
    if (!parsed) throw std::runtime_error("planner config: " + parsed.error().message);
    parsed_.emplace(std::move(*parsed));
    auto service = make_service(parsed_->config);
    if (!service) throw std::runtime_error("planner service: " + service.error().message);
    service_ = std::move(*service);

    http_ = std::make_unique<HttpServer>(loop_, HttpServerOptions{});
    AmqpOptions amqp;
    amqp.url = strata::testing::shared_amqp_url();
    amqp.exchange = exchange;
    amqp.connection_name = "planner-harness";
    amqp.max_backoff = std::chrono::milliseconds(200);
    amqp.requeue_delay = std::chrono::milliseconds(100);
    amqp_ = std::make_unique<AmqpClient>(loop_, amqp);
    ctx_ = std::make_unique<DaemonContext>(
        DaemonContext{loop_, parsed_->config, metrics_, *http_, *amqp_, nullptr});
    if (auto setup = service_->setup(*ctx_); !setup)
        throw std::runtime_error("planner setup: " + setup.error().message);
    QueueSpec downstream{"strata.planner-test-downstream",
                         {"deploy.requested", "plan.requested", "plan.cancelled", "config.invalid",
                          "root.deleted", "request.refused"},
                         20,
                         100,
                         true};
    amqp_->declare(downstream, [this](const Delivery& d, std::shared_ptr<DeliveryControl> c) {
        bodies_[d.routing_key].push_back(d.body);
        c->ack();
    });
    amqp_->start();
    if (!run_until(
            loop_, [&] { return amqp_->healthy(); }, std::chrono::seconds(30)))
        throw std::runtime_error("planner harness: broker not reachable");
}

PlannerHarness::~PlannerHarness() {
    amqp_->stop_consuming();
    bool drained = false;
    service_->drain([&] { drained = true; });
    run_until(
        loop_, [&] { return drained; }, std::chrono::seconds(10));
    amqp_->close(std::chrono::milliseconds(2'000));
    amqp_.reset();
    http_.reset();
    service_.reset();
    loop_.close();
}

void PlannerHarness::publish_raw(const std::string& routing_key, const std::string& body,
                                 const std::string& id) {
    std::optional<Result<void>> sent;
    amqp_->publish({routing_key, body, id, "test", "application/json", {}},
                   [&](Result<void> r) { sent = std::move(r); });
    if (!run_until(loop_, [&] { return sent.has_value(); }) || !*sent)
        throw std::runtime_error("publishing " + routing_key + " did not confirm");
}

std::vector<Envelope> PlannerHarness::wait_for(const std::string& type, std::size_t n) {
    run_until(loop_, [&] { return bodies_[type].size() >= n; });
    std::vector<Envelope> out;
    for (const auto& body : bodies_[type]) out.push_back(*decode_envelope(body));
    return out;
}

bool PlannerHarness::settled(const std::string& type, const std::string& outcome, long long n) {
    return run_until(loop_, [&] {
        return metric("strata_planner_events_total", {{"type", type}, {"outcome", outcome}}) >= n;
    });
}

std::size_t PlannerHarness::count(const std::string& type) const {
    auto it = bodies_.find(type);
    return it == bodies_.end() ? 0 : it->second.size();
}

long long PlannerHarness::metric(const std::string& name, const Labels& labels) {
    return metrics_.counter(name, "", labels).value();
}

RepoRef repo_ref(const std::string& full_name, const std::string& url,
                 const std::string& default_branch) {
    return RepoRef{full_name, url, default_branch, 0};
}

}  // namespace strata::planner::testing
