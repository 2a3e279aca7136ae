#include "strata/loop.hpp"

#include <uv.h>

#include <csignal>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <utility>

namespace strata {

struct Loop::Impl {
    uv_loop_t loop{};
    uv_async_t async{};
    std::mutex mutex;
    std::deque<std::function<void()>> posted;
    bool closed = false;

    void drain() {
        std::deque<std::function<void()>> batch;
        {
            std::lock_guard lock(mutex);
            batch.swap(posted);
        }
        for (auto& fn : batch) fn();
    }
};

Loop::Loop() : impl_(std::make_unique<Impl>()) {
    uv_loop_init(&impl_->loop);
    impl_->async.data = impl_.get();
    uv_async_init(&impl_->loop, &impl_->async,
                  [](uv_async_t* h) { static_cast<Impl*>(h->data)->drain(); });
    // The async handle alone must not keep run() alive.
    uv_unref(reinterpret_cast<uv_handle_t*>(&impl_->async));
}

Loop::~Loop() { close(); }

uv_loop_s* Loop::raw() { return &impl_->loop; }

void Loop::post(std::function<void()> fn) {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->closed) return;
        impl_->posted.push_back(std::move(fn));
    }
    uv_async_send(&impl_->async);
}

namespace {
struct WorkItem {
    uv_work_t req{};
    std::function<void()> work;
    std::function<void()> after;
};
}  // namespace

void Loop::queue_work(std::function<void()> work, std::function<void()> after) {
    auto* item = new WorkItem{{}, std::move(work), std::move(after)};
    item->req.data = item;
    uv_queue_work(
        &impl_->loop, &item->req, [](uv_work_t* req) { static_cast<WorkItem*>(req->data)->work(); },
        [](uv_work_t* req, int) {
            std::unique_ptr<WorkItem> owned(static_cast<WorkItem*>(req->data));
            if (owned->after) owned->after();
        });
}

void Loop::run() { uv_run(&impl_->loop, UV_RUN_DEFAULT); }

void Loop::stop() { uv_stop(&impl_->loop); }

void Loop::close() {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->closed) return;
        impl_->closed = true;
    }
    impl_->drain();
    uv_close(reinterpret_cast<uv_handle_t*>(&impl_->async), nullptr);
    // Close whatever handles are still open (their owners' close callbacks free them).
    uv_walk(
        &impl_->loop,
        [](uv_handle_t* h, void*) {
            if (!uv_is_closing(h)) uv_close(h, nullptr);
        },
        nullptr);
    while (uv_loop_close(&impl_->loop) == UV_EBUSY) uv_run(&impl_->loop, UV_RUN_NOWAIT);
}

// ---- Timer ----------------------------------------------------------------------------------

struct Timer::Impl {
    uv_timer_t handle{};
    std::function<void()> fn;
};

Timer::Timer(Loop& loop) : impl_(new Impl) {
    uv_timer_init(loop.raw(), &impl_->handle);
    impl_->handle.data = impl_;
}

Timer::~Timer() {
    impl_->fn = nullptr;
    auto* handle = reinterpret_cast<uv_handle_t*>(&impl_->handle);
    if (uv_is_closing(handle)) {  // Loop::close() closed it already, without freeing it
        delete impl_;
        return;
    }
    uv_close(handle, [](uv_handle_t* h) { delete static_cast<Impl*>(h->data); });
}

void Timer::start(std::chrono::milliseconds delay, std::function<void()> fn) {
    impl_->fn = std::move(fn);
    uv_timer_start(
        &impl_->handle,
        [](uv_timer_t* h) {
            auto* self = static_cast<Impl*>(h->data);
            auto fn = self->fn;  // the callback may restart or destroy the timer
            if (fn) fn();
        },
        static_cast<uint64_t>(delay.count()), 0);
}

void Timer::start_repeating(std::chrono::milliseconds interval, std::function<void()> fn) {
    impl_->fn = std::move(fn);
    auto ms = static_cast<uint64_t>(interval.count());
    uv_timer_start(
        &impl_->handle,
        [](uv_timer_t* h) {
            auto* self = static_cast<Impl*>(h->data);
            auto fn = self->fn;
            if (fn) fn();
        },
        ms, ms);
}

void Timer::stop() { uv_timer_stop(&impl_->handle); }

// ---- ShutdownSignals ------------------------------------------------------------------------

struct ShutdownSignals::Impl {
    uv_signal_t term{};
    uv_signal_t intr{};
    std::function<void()> on_stop;
    int received = 0;
    int open_handles = 2;

    static void on_signal(uv_signal_t* h, int) {
        auto* self = static_cast<Impl*>(h->data);
        if (++self->received > 1) std::_Exit(130);  // a second signal: exit now
        if (self->on_stop) self->on_stop();
    }
};

ShutdownSignals::ShutdownSignals(Loop& loop, std::function<void()> on_stop) : impl_(new Impl) {
    impl_->on_stop = std::move(on_stop);
    for (uv_signal_t* s : {&impl_->term, &impl_->intr}) {
        uv_signal_init(loop.raw(), s);
        s->data = impl_;
        uv_unref(reinterpret_cast<uv_handle_t*>(s));  // signals alone do not keep the loop alive
    }
    uv_signal_start(&impl_->term, &Impl::on_signal, SIGTERM);
    uv_signal_start(&impl_->intr, &Impl::on_signal, SIGINT);
}

ShutdownSignals::~ShutdownSignals() {
    impl_->on_stop = nullptr;
    for (uv_signal_t* s : {&impl_->term, &impl_->intr}) {
        auto* h = reinterpret_cast<uv_handle_t*>(s);
        if (uv_is_closing(h)) {  // Loop::close() closed it already, without freeing it
            if (--impl_->open_handles == 0) delete impl_;
            continue;
        }
        uv_close(h, [](uv_handle_t* h) {
            auto* self = static_cast<Impl*>(h->data);
            if (--self->open_handles == 0) delete self;
        });
    }
}

}  // namespace strata
