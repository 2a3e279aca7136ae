#include "live_log.hpp"

#include "strata/log.hpp"

namespace strata::executor {

LiveLog::LiveLog(Loop& loop, RedisClient& redis, std::shared_ptr<JobLogStore> store,
                 LiveLogSettings settings, std::string deployment_id)
    : loop_(loop),
      redis_(redis),
      store_(std::move(store)),
      settings_(std::move(settings)),
      deployment_id_(std::move(deployment_id)),
      key_(live_log_key(settings_.redis_prefix, deployment_id_)) {}

void LiveLog::begin_job(const std::string& job_id) {
    job_id_ = job_id;
    buffer_.clear();
    truncated_ = false;
    expire_due_ = true;  // once the stream exists, after this job's first line
}

void LiveLog::line(const std::string& text) {
    if (buffer_.size() + text.size() < settings_.max_stored_bytes) {
        buffer_ += text;
        buffer_ += '\n';
    } else if (!truncated_) {
        truncated_ = true;
        buffer_ += "[strata] the log of this job is too long; the rest is not stored\n";
    }
    redis_.command({"XADD", key_, "MAXLEN", "~", std::to_string(settings_.max_lines), "*", "job",
                    job_id_, "line", text},
                   [](Result<RedisReply>) {});
    if (std::exchange(expire_due_, false)) expire();
}

void LiveLog::store_job(std::function<void()> done) {
    auto store = store_;
    auto text = std::make_shared<std::string>(std::move(buffer_));
    buffer_.clear();
    auto error = std::make_shared<std::string>();
    loop_.queue_work(
        [store, text, error, dep = deployment_id_, job = job_id_] {
            if (auto put = store->put(dep, job, *text); !put) *error = put.error().message;
        },
        [error, job = job_id_, done = std::move(done)] {
            if (!error->empty())
                log::warn("storing a job log", {{"job_id", job}, {"error", *error}});
            if (done) done();
        });
}

void LiveLog::end() {
    redis_.command({"XADD", key_, "MAXLEN", "~", std::to_string(settings_.max_lines), "*", "job",
                    job_id_, "end", "1"},
                   [](Result<RedisReply>) {});
    expire();
}

void LiveLog::expire() {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(settings_.ttl).count();
    redis_.command({"EXPIRE", key_, std::to_string(std::max<long long>(seconds, 1))},
                   [](Result<RedisReply>) {});
}

}  // namespace strata::executor
