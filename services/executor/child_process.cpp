#include "child_process.hpp"

#include <uv.h>

#include <csignal>

#include "strata/loop.hpp"

namespace strata::executor {

struct ChildProcess::Impl : std::enable_shared_from_this<ChildProcess::Impl> {
    uv_process_t process{};
    uv_pipe_t out{}, err{};
    uv_timer_t timer{};
    std::string out_buffer, err_buffer;
    LineHandler on_line;
    ExitHandler on_exit;
    ProcessExit result;
    std::chrono::milliseconds kill_grace{};
    int open_handles = 0;
    bool exited = false;
    bool killing = false;
    std::shared_ptr<Impl> self;  // keeps this alive until every handle is closed

    void close_handle(uv_handle_t* h) {
        if (uv_is_closing(h)) return;
        uv_close(h, [](uv_handle_t* h) {
            auto* impl = static_cast<Impl*>(h->data);
            if (--impl->open_handles == 0) impl->finish();
        });
    }

    // Called when the process exited and both pipes reached EOF and every handle is closed.
    void finish() {
        auto keep = std::move(self);
        flush(out_buffer, false, true);
        flush(err_buffer, true, true);
        if (on_exit) std::exchange(on_exit, nullptr)(result);
        on_line = nullptr;
    }

    void flush(std::string& buffer, bool is_stderr, bool all) {
        std::size_t start = 0;
        for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n', start)) {
            if (on_line) on_line(std::string_view(buffer).substr(start, nl - start), is_stderr);
            start = nl + 1;
        }
        buffer.erase(0, start);
        if (all && !buffer.empty()) {
            if (on_line) on_line(buffer, is_stderr);
            buffer.clear();
        }
    }

    void kill_group(int sig) {
        if (exited || process.pid <= 0) return;
        ::kill(-process.pid, sig);  // the child leads its own group (UV_PROCESS_DETACHED)
    }

    void start_kill() {
        if (killing || exited) return;
        killing = true;
        kill_group(SIGTERM);
        uv_timer_start(
            &timer, [](uv_timer_t* t) { static_cast<Impl*>(t->data)->kill_group(SIGKILL); },
            static_cast<uint64_t>(kill_grace.count()), 0);
    }
};

namespace {

void alloc(uv_handle_t*, size_t suggested, uv_buf_t* buf) {
    buf->base = new char[suggested];
    buf->len = suggested;
}

template <bool IsStderr>
void on_read(uv_stream_t* stream, ssize_t n, const uv_buf_t* buf) {
    auto* impl = static_cast<ChildProcess::Impl*>(stream->data);
    if (n > 0) {
        auto& buffer = IsStderr ? impl->err_buffer : impl->out_buffer;
        buffer.append(buf->base, static_cast<std::size_t>(n));
        impl->flush(buffer, IsStderr, false);
    }
    delete[] buf->base;
    if (n < 0) impl->close_handle(reinterpret_cast<uv_handle_t*>(stream));
}

}  // namespace

Result<std::shared_ptr<ChildProcess>> ChildProcess::spawn(Loop& loop, const ProcessSpec& spec,
                                                          LineHandler on_line,
                                                          ExitHandler on_exit) {
    auto impl = std::make_shared<Impl>();
    impl->on_line = std::move(on_line);
    impl->on_exit = std::move(on_exit);
    impl->kill_grace = spec.kill_grace;
    uv_loop_t* l = loop.raw();
    uv_pipe_init(l, &impl->out, 0);
    uv_pipe_init(l, &impl->err, 0);
    uv_timer_init(l, &impl->timer);
    for (uv_handle_t* h :
         {reinterpret_cast<uv_handle_t*>(&impl->out), reinterpret_cast<uv_handle_t*>(&impl->err),
          reinterpret_cast<uv_handle_t*>(&impl->timer),
          reinterpret_cast<uv_handle_t*>(&impl->process)})
        h->data = impl.get();

    std::vector<char*> args, env;
    for (const auto& a : spec.argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : spec.env) env.push_back(const_cast<char*>(e.c_str()));
    env.push_back(nullptr);
    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[1].data.stream = reinterpret_cast<uv_stream_t*>(&impl->out);
    stdio[2].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
    stdio[2].data.stream = reinterpret_cast<uv_stream_t*>(&impl->err);
    uv_process_options_t options{};
    options.file = args[0];
    options.args = args.data();
    options.env = env.data();
    options.cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
    options.flags = UV_PROCESS_DETACHED;
    options.stdio_count = 3;
    options.stdio = stdio;
    options.exit_cb = [](uv_process_t* p, int64_t status, int sig) {
        auto* impl = static_cast<Impl*>(p->data);
        // Whatever the child left behind in its group would hold the pipes open: it goes too.
        ::kill(-p->pid, SIGKILL);
        impl->exited = true;
        impl->result.exit_code = sig ? -1 : static_cast<int>(status);
        impl->result.signal = sig;
        uv_timer_stop(&impl->timer);
        impl->close_handle(reinterpret_cast<uv_handle_t*>(&impl->timer));
        impl->close_handle(reinterpret_cast<uv_handle_t*>(p));
    };
    impl->open_handles = 4;
    impl->self = impl;
    int rc = uv_spawn(l, &impl->process, &options);
    if (rc != 0) {
        impl->on_exit = nullptr;
        impl->exited = true;
        for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&impl->out),
                               reinterpret_cast<uv_handle_t*>(&impl->err),
                               reinterpret_cast<uv_handle_t*>(&impl->timer),
                               reinterpret_cast<uv_handle_t*>(&impl->process)})
            impl->close_handle(h);
        return make_error("starting " + spec.argv[0] + ": " + uv_strerror(rc));
    }
    uv_read_start(reinterpret_cast<uv_stream_t*>(&impl->out), alloc, on_read<false>);
    uv_read_start(reinterpret_cast<uv_stream_t*>(&impl->err), alloc, on_read<true>);
    uv_timer_start(
        &impl->timer,
        [](uv_timer_t* t) {
            auto* impl = static_cast<Impl*>(t->data);
            impl->result.timed_out = true;
            impl->start_kill();
        },
        static_cast<uint64_t>(spec.timeout.count()), 0);
    return std::make_shared<ChildProcess>(impl);
}

void ChildProcess::terminate() { impl_->start_kill(); }

void ChildProcess::kill_now() {
    impl_->killing = true;
    impl_->kill_group(SIGKILL);
}

int ChildProcess::pid() const { return impl_->process.pid; }

}  // namespace strata::executor
