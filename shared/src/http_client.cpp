#include "strata/http_client.hpp"

#include <curl/curl.h>
#include <uv.h>

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>

#include "strata/loop.hpp"

namespace strata {

namespace {

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// What one transfer collects; `abort` (may be null) ends it early when set.
struct Transfer {
    HttpClientResponse response;
    const std::atomic<bool>* abort = nullptr;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<Transfer*>(user)->response.body.append(data, size * count);
    return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto& headers = static_cast<Transfer*>(user)->response.headers;
    std::string_view line(data, size * count);
    if (line.substr(0, 5) == "HTTP/") {
        headers.clear();  // a new response starts (after 100 Continue, say): keep only the last
        return size * count;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return size * count;
    std::string name(trim(line.substr(0, colon)));
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::string value(trim(line.substr(colon + 1)));
    auto [it, inserted] = headers.emplace(std::move(name), value);
    if (!inserted) it->second += ", " + value;
    return size * count;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* abort = static_cast<Transfer*>(user)->abort;
    return abort && abort->load() ? 1 : 0;
}

// Runs one exchange on `curl`, whose connections survive for the next one.
Result<HttpClientResponse> perform(CURL* curl, const HttpClientRequest& req,
                                   const std::atomic<bool>* abort) {
    curl_easy_reset(curl);  // keeps live connections and the DNS cache
    Transfer transfer;
    transfer.abort = abort;
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : req.headers) {
        headers =
            curl_slist_append(headers, (value.empty() ? name + ";" : name + ": " + value).c_str());
    }
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
    if (req.method == "GET") {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (req.method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else {
        if (!req.body.empty() || req.method == "POST" || req.method == "PUT" ||
            req.method == "PATCH") {
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(req.body.size()));
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body.data());
        }
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);  // errbuf and headers die here
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        std::string why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
        return make_error(req.method + " " + req.url + ": " + why);
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    transfer.response.status = static_cast<int>(status);
    return std::move(transfer.response);
}

using Callback = std::function<void(Result<HttpClientResponse>)>;

}  // namespace

struct HttpClient::Impl : std::enable_shared_from_this<HttpClient::Impl> {
    struct Job {
        std::uint64_t id = 0;
        HttpClientRequest request;
    };

    explicit Impl(Loop& l) : loop(l) {}

    Loop& loop;
    // Loop thread only.
    std::unordered_map<std::uint64_t, Callback> callbacks;
    std::uint64_t next_id = 1;
    uv_async_t* keepalive = nullptr;  // ref'd while callbacks are due; freed in its close callback
    // Shared with the worker.
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<Job> jobs;
    std::atomic<bool> stopping{false};
    std::thread worker;

    void run_worker() {
        std::weak_ptr<Impl> weak = weak_from_this();
        CURL* curl = curl_easy_init();
        for (;;) {
            Job job;
            {
                std::unique_lock lock(mutex);
                wake.wait(lock, [&] { return stopping.load() || !jobs.empty(); });
                if (stopping) break;
                job = std::move(jobs.front());
                jobs.pop_front();
            }
            Result<HttpClientResponse> result =
                curl ? perform(curl, job.request, &stopping)
                     : make_error(job.request.method + " " + job.request.url +
                                  ": creating a curl handle failed");
            if (stopping) break;
            loop.post([weak, id = job.id, result = std::move(result)]() mutable {
                if (auto self = weak.lock()) self->complete(id, std::move(result));
            });
        }
        if (curl) curl_easy_cleanup(curl);
    }

    void complete(std::uint64_t id, Result<HttpClientResponse> result) {
        auto it = callbacks.find(id);
        if (it == callbacks.end()) return;
        Callback callback = std::move(it->second);
        callbacks.erase(it);
        if (callbacks.empty()) uv_unref(reinterpret_cast<uv_handle_t*>(keepalive));
        callback(std::move(result));  // last: it may destroy the client
    }
};

HttpClient::HttpClient(Loop& loop) : impl_(std::make_shared<Impl>(loop)) {
    global_init();
    impl_->keepalive = new uv_async_t;
    uv_async_init(loop.raw(), impl_->keepalive, [](uv_async_t*) {});
    uv_unref(reinterpret_cast<uv_handle_t*>(impl_->keepalive));
    impl_->worker = std::thread([impl = impl_.get()] { impl->run_worker(); });
}

HttpClient::~HttpClient() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->wake.notify_all();
    impl_->worker.join();
    impl_->callbacks.clear();
    auto* handle = reinterpret_cast<uv_handle_t*>(impl_->keepalive);
    if (!uv_is_closing(handle)) {  // else Loop::close() got there first; it frees nothing
        uv_close(handle, [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
    }
}

void HttpClient::send(HttpClientRequest request, Callback callback) {
    auto& s = *impl_;
    auto id = s.next_id++;
    if (s.callbacks.empty()) uv_ref(reinterpret_cast<uv_handle_t*>(s.keepalive));
    s.callbacks.emplace(id, std::move(callback));
    {
        std::lock_guard lock(s.mutex);
        s.jobs.push_back({id, std::move(request)});
    }
    s.wake.notify_one();
}

Result<HttpClientResponse> http_request_blocking(const HttpClientRequest& request) {
    global_init();
    std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl)
        return make_error(request.method + " " + request.url + ": creating a curl handle failed");
    return perform(curl.get(), request, nullptr);
}

}  // namespace strata
