#include "strata/amqp.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <variant>

#include "amqp_connection.hpp"
#include "strata/log.hpp"
#include "strata/loop.hpp"

namespace strata {
namespace {

using Clock = std::chrono::steady_clock;

struct PublishCmd {
    OutgoingMessage message;
    PublishCallback callback;
    Clock::time_point deadline;
};

enum class SettleAction { Ack, Requeue, DeadLetter };

struct SettleCmd {
    uint64_t generation;
    int channel;
    uint64_t tag;
    SettleAction action;
    std::string reason;
    Delivery delivery;  // for DeadLetter
};

struct CancelCmd {};

struct PauseCmd {  // set_consuming(): one queue's consumer off (paused) or on again
    std::string queue;
    bool paused = false;
};

using Command = std::variant<PublishCmd, SettleCmd, CancelCmd, PauseCmd>;

// A publish awaiting the broker's confirm. A dead-letter publish settles its original delivery.
// A basic.return carries no delivery tag: it is matched to the oldest unconfirmed publish with the
// same routing key and message id (whether a message routes depends only on its routing key).
struct Pending {
    std::string message_id;
    std::string routing_key;
    PublishCallback callback;
    Clock::time_point deadline;
    bool returned = false;
    std::optional<SettleCmd> settle_on_confirm;
};

}  // namespace

struct AmqpClient::Impl : std::enable_shared_from_this<AmqpClient::Impl> {
    Loop& loop;
    AmqpOptions options;
    std::vector<QueueSpec> queues;
    std::vector<DeliveryHandler> handlers;

    std::mutex mutex;
    std::condition_variable wake_cv;  // for backoff waits
    std::deque<Command> commands;
    bool stopping = false;
    bool finished = false;  // close() is done: commands fail or are dropped at once
    Clock::time_point close_deadline{};
    int event_fd = -1;

    std::atomic<bool> healthy{false};
    std::atomic<uint64_t> generation{0};
    std::thread thread;

    // Write watchdog. rabbitmq-c waits for a writable socket without a deadline, so a broker that
    // stops reading (a resource alarm blocks publishing connections) or a dead link with full
    // buffers would hold this thread, every publish callback and close() indefinitely. Calls that
    // may write run through watched(); the watchdog thread shuts the socket down under one that
    // lasts longer than publish_timeout, so it fails and the connection is dropped and made again.
    std::mutex io_mutex;
    std::condition_variable io_cv;
    int io_fd = -1;  // the socket of the watched call in progress; -1 when there is none
    Clock::time_point io_since{};
    bool watchdog_stop = false;
    std::thread watchdog;

    // Connection thread only.
    detail::AmqpConnection conn;
    std::map<uint64_t, Pending> pending;
    bool consuming = true;
    std::set<std::string> paused;  // queues whose consumer set_consuming() turned off

    Impl(Loop& l, AmqpOptions o) : loop(l), options(std::move(o)) {
        event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    }
    ~Impl() {
        if (event_fd >= 0) ::close(event_fd);
    }

    void wake() {
        uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(event_fd, &one, sizeof one);
        wake_cv.notify_all();
    }

    void enqueue(Command cmd) {
        std::unique_lock lock(mutex);
        if (finished) {
            lock.unlock();
            if (auto* p = std::get_if<PublishCmd>(&cmd)) {
                complete(std::move(p->callback), make_error("publishing " + p->message.routing_key +
                                                            ": the client is closed"));
            }
            return;
        }
        commands.push_back(std::move(cmd));
        lock.unlock();
        wake();
    }

    // Mutex held, connection thread (or none left). Commands that cannot reach a connection:
    // publishes fail (the caller answers 503 or requeues), settles are moot (the broker
    // redelivers), and a stop_consuming() still holds for the next connection.
    void drop_queued_commands(const std::string& why) {
        while (!commands.empty()) {
            auto cmd = std::move(commands.front());
            commands.pop_front();
            if (auto* p = std::get_if<PublishCmd>(&cmd)) {
                complete(std::move(p->callback),
                         make_error("publishing " + p->message.routing_key + ": " + why));
            } else if (std::holds_alternative<CancelCmd>(cmd)) {
                consuming = false;
            } else if (auto* pause = std::get_if<PauseCmd>(&cmd)) {
                set_paused(pause->queue, pause->paused);  // holds for the next connection
            }
        }
    }

    // Connection thread. Records the pause; true when it changed.
    bool set_paused(const std::string& queue, bool on) {
        return on ? paused.insert(queue).second : paused.erase(queue) > 0;
    }

    void complete(PublishCallback cb, Result<void> result) {
        if (!cb) return;
        loop.post(
            [cb = std::move(cb), result = std::move(result)]() mutable { cb(std::move(result)); });
    }

    void fail_all_pending(const std::string& why) {
        for (auto& [tag, p] : pending) {
            complete(std::move(p.callback), make_error(why));
        }
        pending.clear();
    }

    template <class Call>
    auto watched(Call&& call) {
        {
            std::lock_guard lock(io_mutex);
            io_fd = conn.socket_fd();
            io_since = Clock::now();
        }
        struct Done {
            Impl& self;
            ~Done() {
                std::lock_guard lock(self.io_mutex);
                self.io_fd = -1;
            }
        } done{*this};
        return call();
    }

    void watch();
    void run();
    bool connect_once();
    void serve_connection();
    bool drain_commands();
    void handle_settle(SettleCmd& cmd);
    void handle_event(detail::InboundEvent& ev);
    void confirm(uint64_t tag, bool multiple, bool acked);
    void expire_pending();
    void deliver(detail::InboundEvent& ev);
};

namespace {

class Control : public DeliveryControl {
public:
    Control(std::weak_ptr<AmqpClient::Impl> impl, uint64_t generation, int channel, uint64_t tag,
            Delivery delivery)
        : impl_(std::move(impl)),
          generation_(generation),
          channel_(channel),
          tag_(tag),
          delivery_(std::move(delivery)) {}
    ~Control() override {
        if (!settled_) {
            log::error("delivery dropped without being settled; requeueing",
                       {{"queue", delivery_.queue}, {"message_id", delivery_.message_id}});
            settle(SettleAction::Requeue, "", false);
        }
    }
    void ack() override { settle(SettleAction::Ack, "", false); }
    void requeue() override { settle(SettleAction::Requeue, "", true); }
    void dead_letter(std::string reason) override {
        settle(SettleAction::DeadLetter, std::move(reason), false);
    }

private:
    // delayed: hold a requeue for options.requeue_delay (loop thread only).
    void settle(SettleAction action, std::string reason, bool delayed);

    std::weak_ptr<AmqpClient::Impl> impl_;
    uint64_t generation_;
    int channel_;
    uint64_t tag_;
    Delivery delivery_;
    bool settled_ = false;
};

}  // namespace

void Control::settle(SettleAction action, std::string reason, bool delayed) {
    if (settled_) return;
    settled_ = true;
    auto impl = impl_.lock();
    if (!impl) return;
    if (delayed && impl->options.requeue_delay.count() > 0) {
        // The timer owns itself until it fires (or the loop closes it at shutdown, when the
        // broker redelivers anyway).
        auto* timer = new Timer(impl->loop);
        SettleCmd cmd{generation_, channel_, tag_, action, "", {}};
        timer->start(impl->options.requeue_delay, [timer, weak = impl_, cmd]() mutable {
            if (auto impl = weak.lock()) impl->enqueue(std::move(cmd));
            delete timer;  // safe: Timer runs a copy of this callback
        });
        return;
    }
    SettleCmd cmd{generation_, channel_, tag_, action, std::move(reason), {}};
    if (action == SettleAction::DeadLetter) cmd.delivery = delivery_;
    impl->enqueue(std::move(cmd));
}

void AmqpClient::Impl::watch() {
    std::unique_lock lock(io_mutex);
    while (!watchdog_stop) {
        io_cv.wait_for(lock, std::chrono::milliseconds(50));
        if (io_fd < 0 || Clock::now() - io_since < options.publish_timeout) continue;
        log::warn("broker connection stalled in a write; dropping it",
                  {{"exchange", options.exchange}});
        ::shutdown(io_fd, SHUT_RDWR);  // the call fails; the connection thread drops the link
        io_fd = -1;
    }
}

void AmqpClient::Impl::run() {
    auto backoff = std::chrono::milliseconds(100);
    for (;;) {
        {
            std::lock_guard lock(mutex);
            if (stopping) break;
        }
        if (connect_once()) {
            backoff = std::chrono::milliseconds(100);
            serve_connection();
            healthy = false;
            bool graceful;
            {
                std::lock_guard lock(mutex);
                graceful = stopping;
            }
            watched([&] { conn.close(graceful); });
            fail_all_pending("connection to the broker lost before the confirm");
        }
        // Commands that arrive while disconnected fail at once.
        std::unique_lock lock(mutex);
        drop_queued_commands("not connected to the broker");
        if (stopping) break;
        wake_cv.wait_for(lock, backoff, [&] { return stopping || !commands.empty(); });
        backoff = std::min(backoff * 2, options.max_backoff);
    }
    watched([&] { conn.close(true); });
}

bool AmqpClient::Impl::connect_once() {
    auto opened = conn.open(options);
    Result<void> declared = opened ? conn.declare(options.exchange, queues) : opened;
    Result<void> consumed = declared && consuming ? conn.consume(queues, paused) : declared;
    if (!consumed) {
        log::warn("broker unavailable", {{"error", consumed.error().message}});
        conn.close(false);
        return false;
    }
    ++generation;
    healthy = true;
    log::info("connected to the broker", {{"exchange", options.exchange}});
    return true;
}

void AmqpClient::Impl::serve_connection() {
    for (;;) {
        if (!drain_commands()) return;
        {
            std::lock_guard lock(mutex);
            if (stopping && (pending.empty() || Clock::now() >= close_deadline)) return;
        }
        expire_pending();
        if (!conn.has_buffered_frames()) {
            pollfd fds[2] = {{conn.socket_fd(), POLLIN, 0}, {event_fd, POLLIN, 0}};
            int timeout_ms = std::max(100, options.heartbeat_seconds * 1000 / 4);
            if (!pending.empty()) timeout_ms = std::min(timeout_ms, 100);
            ::poll(fds, 2, timeout_ms);
            if (fds[1].revents & POLLIN) {
                uint64_t n;
                [[maybe_unused]] auto r = ::read(event_fd, &n, sizeof n);
            }
        }
        // Reads whatever is ready; also sends a heartbeat when one is due.
        for (int i = 0; i < 256; ++i) {
            auto ev = watched([&] { return conn.poll_event(); });
            if (ev.kind == detail::InboundEvent::Kind::None) break;
            if (ev.kind == detail::InboundEvent::Kind::Closed) {
                log::warn("broker connection lost", {{"error", ev.error}});
                return;
            }
            watched([&] { handle_event(ev); });
        }
    }
}

bool AmqpClient::Impl::drain_commands() {
    std::deque<Command> batch;
    {
        std::lock_guard lock(mutex);
        batch.swap(commands);
    }
    for (auto it = batch.begin(); it != batch.end(); ++it) {
        auto& cmd = *it;
        if (auto* p = std::get_if<PublishCmd>(&cmd)) {
            auto tag = watched([&] { return conn.publish(options.exchange, p->message); });
            if (!tag) {
                complete(std::move(p->callback), tag.error());
                // The rest fail in run() as "not connected" once the connection is dropped.
                std::lock_guard lock(mutex);
                commands.insert(commands.begin(), std::make_move_iterator(it + 1),
                                std::make_move_iterator(batch.end()));
                return false;
            }
            pending.emplace(
                *tag, Pending{p->message.message_id, p->message.routing_key, std::move(p->callback),
                              p->deadline, false, std::nullopt});
        } else if (auto* s = std::get_if<SettleCmd>(&cmd)) {
            if (s->generation != generation) continue;  // that channel is gone: broker redelivers
            watched([&] { handle_settle(*s); });
        } else if (std::holds_alternative<CancelCmd>(cmd)) {
            consuming = false;
            if (!watched([&] { return conn.cancel_consumers(queues); })) return false;
        } else if (auto* pause = std::get_if<PauseCmd>(&cmd)) {
            if (!set_paused(pause->queue, pause->paused) || !consuming) continue;
            for (std::size_t i = 0; i < queues.size(); ++i) {
                if (queues[i].name != pause->queue) continue;
                if (!watched([&] { return conn.set_consumer(queues, i, !pause->paused); }))
                    return false;
            }
        }
    }
    return true;
}

void AmqpClient::Impl::handle_settle(SettleCmd& s) {
    switch (s.action) {
        case SettleAction::Ack:
            (void)conn.ack(s.channel, s.tag);
            return;
        case SettleAction::Requeue:
            (void)conn.reject(s.channel, s.tag, true);
            return;
        case SettleAction::DeadLetter:
            break;
    }
    OutgoingMessage dead;
    dead.routing_key = s.delivery.queue;
    dead.body = s.delivery.body;
    dead.message_id = s.delivery.message_id;
    dead.correlation_id = s.delivery.correlation_id;
    dead.headers = s.delivery.headers;
    dead.headers["x-strata-reason"] = s.reason;
    dead.headers["x-strata-routing-key"] = s.delivery.routing_key;
    auto tag = conn.publish(options.exchange + ".dlx", dead);
    if (!tag) {
        (void)conn.reject(s.channel, s.tag, true);
        return;
    }
    auto deadline = Clock::now() + options.publish_timeout;
    Pending p{dead.message_id, dead.routing_key, nullptr, deadline, false, s};
    p.settle_on_confirm->delivery = {};
    pending.emplace(*tag, std::move(p));
}

void AmqpClient::Impl::handle_event(detail::InboundEvent& ev) {
    using Kind = detail::InboundEvent::Kind;
    switch (ev.kind) {
        case Kind::Ack:
            confirm(ev.tag, ev.multiple, true);
            break;
        case Kind::Nack:
            confirm(ev.tag, ev.multiple, false);
            break;
        case Kind::Returned:
            for (auto& [tag, p] : pending) {
                if (!p.returned && p.message_id == ev.delivery.message_id &&
                    p.routing_key == ev.delivery.routing_key) {
                    p.returned = true;
                    break;
                }
            }
            break;
        case Kind::Delivered:
            deliver(ev);
            break;
        default:
            break;
    }
}

void AmqpClient::Impl::confirm(uint64_t tag, bool multiple, bool acked) {
    auto end = multiple ? pending.upper_bound(tag) : pending.find(tag);
    auto begin = multiple ? pending.begin() : end;
    if (!multiple) {
        if (end == pending.end()) return;
        ++end;
    }
    for (auto it = begin; it != end; it = pending.erase(it)) {
        Pending& p = it->second;
        bool ok = acked && !p.returned;
        if (p.settle_on_confirm) {
            auto& s = *p.settle_on_confirm;
            if (s.generation == generation) {
                if (ok)
                    (void)conn.ack(s.channel, s.tag);
                else
                    (void)conn.reject(s.channel, s.tag, true);
            }
            continue;
        }
        if (ok)
            complete(std::move(p.callback), {});
        else
            complete(std::move(p.callback),
                     make_error(p.returned ? "message was unroutable (no queue bound)"
                                           : "broker refused the message (nack)"));
    }
}

void AmqpClient::Impl::expire_pending() {
    auto now = Clock::now();
    for (auto it = pending.begin(); it != pending.end();) {
        if (it->second.deadline <= now && !it->second.settle_on_confirm) {
            complete(std::move(it->second.callback),
                     make_error("broker did not confirm the publish in time"));
            // Keep the tag so a late confirm is ignored, but drop the callback.
            it->second.callback = nullptr;
            it->second.deadline = Clock::time_point::max();
        }
        ++it;
    }
}

void AmqpClient::Impl::deliver(detail::InboundEvent& ev) {
    auto index = static_cast<std::size_t>(ev.channel - 2);
    if (index >= queues.size()) return;
    ev.delivery.queue = queues[index].name;
    auto control =
        std::make_shared<Control>(weak_from_this(), generation, ev.channel, ev.tag, ev.delivery);
    loop.post([handler = handlers[index], delivery = std::move(ev.delivery),
               control = std::move(control)]() mutable {
        if (handler) handler(delivery, std::move(control));
    });
}

AmqpClient::AmqpClient(Loop& loop, AmqpOptions options)
    : impl_(std::make_shared<Impl>(loop, std::move(options))) {}

AmqpClient::~AmqpClient() { close(std::chrono::milliseconds(0)); }

void AmqpClient::declare(QueueSpec spec, DeliveryHandler handler) {
    impl_->queues.push_back(std::move(spec));
    impl_->handlers.push_back(std::move(handler));
}

bool AmqpClient::has_queue(const std::string& name) const {
    for (const auto& q : impl_->queues)
        if (q.name == name) return true;
    return false;
}

void AmqpClient::start() {
    impl_->thread = std::thread([impl = impl_] { impl->run(); });
    impl_->watchdog = std::thread([impl = impl_] { impl->watch(); });
}

bool AmqpClient::healthy() const { return impl_->healthy; }

void AmqpClient::publish(OutgoingMessage message, PublishCallback callback) {
    impl_->enqueue(PublishCmd{std::move(message), std::move(callback),
                              Clock::now() + impl_->options.publish_timeout});
}

void AmqpClient::stop_consuming() { impl_->enqueue(CancelCmd{}); }

void AmqpClient::set_consuming(const std::string& queue, bool on) {
    impl_->enqueue(PauseCmd{queue, !on});
}

void AmqpClient::close(std::chrono::milliseconds deadline) {
    {
        std::lock_guard lock(impl_->mutex);
        if (!impl_->stopping) {
            impl_->stopping = true;
            impl_->close_deadline = Clock::now() + deadline;
        }
    }
    impl_->wake();
    if (impl_->thread.joinable()) impl_->thread.join();
    {
        std::lock_guard lock(impl_->mutex);
        impl_->finished = true;
        impl_->drop_queued_commands("the client is closed");
    }
    {
        std::lock_guard lock(impl_->io_mutex);
        impl_->watchdog_stop = true;
    }
    impl_->io_cv.notify_all();
    if (impl_->watchdog.joinable()) impl_->watchdog.join();
}

}  // namespace strata
