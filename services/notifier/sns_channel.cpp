#include "sns_channel.hpp"

#include "strata/log.hpp"

namespace strata::notifier {
namespace {

using std::chrono::system_clock;

constexpr std::chrono::seconds kKeep{30 * 24 * 3600};

}  // namespace

SnsChannel::SnsChannel(Loop& loop, NotifierStore& store, SnsTarget target,
                       AwsCredentialsProvider& credentials, SystemClock clock)
    : store_(store),
      target_(std::move(target)),
      credentials_(credentials),
      clock_(clock ? std::move(clock) : SystemClock([] { return system_clock::now(); })),
      http_(std::make_unique<HttpClient>(loop)) {}

SnsChannel::~SnsChannel() { *alive_ = false; }

Admission SnsChannel::admit(const Delivery& d) {
    auto envelope = decode_envelope(d.body);
    if (!envelope) return Admission::reject(envelope.error().message);
    if (envelope->type != DeploymentState::kType) return Admission::ignore();
    auto m = decode<DeploymentState>(d.body);
    if (!m) return Admission::reject(m.error().message);
    auto audit_state = audit_state_for(m->payload);
    if (!audit_state) return Admission::ignore();
    std::string key = m->payload.deployment_id;
    return Admission::work(std::move(key), Event{std::move(m->payload), *audit_state});
}

void SnsChannel::attempt(const std::string& key, const std::vector<const Pending*>& batch, int,
                         std::function<void(Outcome)> done) {
    const auto& event = std::any_cast<const Event&>(batch.front()->item);
    const std::string lock = "sns:" + key;
    const std::string done_key = store_.key("sns", key + ":" + event.audit_state);
    store_.claim(lock, {done_key},
                 [this, event, lock, done_key,
                  done = std::move(done)](Result<std::optional<NotifierStore::Values>> r) mutable {
                     if (!r) return done(Outcome::retry(r.error().message));
                     if (!*r) {
                         auto o = Outcome::retry("another notifier instance holds it",
                                                 milliseconds(1'000));
                         o.counts = false;
                         return done(o);
                     }
                     if (!(**r)[0].empty()) {
                         store_.release(lock);
                         return done(Outcome::delivered());  // published before
                     }
                     publish(event, lock, done_key, std::move(done));
                 });
}

void SnsChannel::publish(const Event& event, const std::string& lock, const std::string& done_key,
                         std::function<void(Outcome)> done) {
    credentials_.get([this, alive = alive_, event, lock, done_key,
                      done = std::move(done)](Result<aws::Credentials> credentials) mutable {
        if (!*alive) return;
        if (!credentials) {
            store_.release(lock);
            return done(Outcome::retry(credentials.error().message));
        }
        auto request = sns_publish_request(target_, *credentials,
                                           audit_event(event.state, event.audit_state), clock_());
        if (!request) {
            store_.release(lock);
            return done(Outcome::permanent(request.error().message));
        }
        http_->send(std::move(*request), [this, alive, event, lock, done_key,
                                          done = std::move(done)](Result<HttpClientResponse> r) {
            if (!*alive) return;
            auto outcome = classify_sns(r, system_clock::now(), credentials_.refreshable());
            if (r && r->status == 403 && credentials_.refreshable()) credentials_.refused();
            if (outcome.kind != Outcome::Kind::Delivered) {
                store_.release(lock);
                return done(outcome);
            }
            log::info("published an apply audit event",
                      {{"deployment_id", event.state.deployment_id}, {"state", event.audit_state}});
            store_.commit(lock, {{done_key, "1", kKeep}}, [done](Result<bool>) {
                done(Outcome::delivered());  // SNS has it; a lost marker costs a duplicate at most
            });
        });
    });
}

}  // namespace strata::notifier
