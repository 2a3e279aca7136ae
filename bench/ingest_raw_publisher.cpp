// The baseline of bench/ingest.sh: the rate at which a minimal rabbitmq-c publisher gets
// confirmed publishes from the broker, keeping W messages in flight, with what ingest publishes
// for the same payload (the normalised event.push message, persistent, mandatory, with message
// and correlation ids) to the same exchange and queue.
//
//   ingest_raw_publisher --url AMQP_URL --exchange X --payload FILE --in-flight W --messages N
//                        [--purge QUEUE] [--rate R]
// Prints: messages=N confirmed=C seconds=S rate=R. --purge empties QUEUE first (queue.purge), so
// that every measurement starts from an empty queue; with --messages 0 it only purges.
// --rate R: open loop instead (the baseline of ingest's latency at a fixed load): message i is
// published when due, at start + i/R, and its confirm latency counts from then; also prints
// p50_ms p90_ms p99_ms max_ms.
#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <sys/time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "webhook.hpp"

namespace {

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "ingest_raw_publisher: %s\n", what.c_str());
    std::exit(1);
}

void check(amqp_rpc_reply_t reply, const char* what) {
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) die(what);
}

amqp_bytes_t bytes(const std::string& s) { return {s.size(), const_cast<char*>(s.data())}; }

double percentile(std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * sorted.size()))];
}

}  // namespace

int main(int argc, char** argv) {
    std::string url, exchange, payload_file, purge;
    long in_flight = 64, messages = 10'000;
    double rate = 0;  // 0: closed loop
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--url")
            url = v;
        else if (k == "--exchange")
            exchange = v;
        else if (k == "--payload")
            payload_file = v;
        else if (k == "--in-flight")
            in_flight = std::stol(v);
        else if (k == "--messages")
            messages = std::stol(v);
        else if (k == "--purge")
            purge = v;
        else if (k == "--rate")
            rate = std::stod(v);
        else
            die("unknown option " + k);
    }
    std::ifstream in(payload_file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto outcome = strata::ingest::normalize("push", "raw-publisher", ss.str());
    if (!outcome || !std::holds_alternative<strata::ingest::Normalized>(*outcome))
        die("the payload does not normalise to an event.push");
    const auto message = std::get<strata::ingest::Normalized>(*outcome);

    amqp_connection_info info{};
    if (amqp_parse_url(url.data(), &info) != AMQP_STATUS_OK) die("bad url");
    if (!info.vhost || !*info.vhost) info.vhost = const_cast<char*>("/");
    auto conn = amqp_new_connection();
    auto* socket = amqp_tcp_socket_new(conn);
    if (amqp_socket_open(socket, info.host, info.port) != AMQP_STATUS_OK) die("connecting");
    check(amqp_login(conn, info.vhost, 0, AMQP_DEFAULT_FRAME_SIZE, 0, AMQP_SASL_METHOD_PLAIN,
                     info.user, info.password),
          "logging in");
    amqp_channel_open(conn, 1);
    check(amqp_get_rpc_reply(conn), "opening the channel");
    if (!purge.empty()) {
        amqp_queue_purge(conn, 1, bytes(purge));
        check(amqp_get_rpc_reply(conn), "purging the queue");
    }
    amqp_confirm_select(conn, 1);
    check(amqp_get_rpc_reply(conn), "confirm.select");

    const std::string routing_key = message.type, content_type = "application/json";
    using Clock = std::chrono::steady_clock;
    std::map<uint64_t, Clock::time_point> outstanding;  // delivery tag -> when it was due
    std::vector<double> latencies_ms;
    uint64_t next_tag = 1;
    long published = 0, confirmed = 0, refused = 0;
    auto start = Clock::now();
    auto due = [&](long i) {
        return start + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(rate > 0 ? i / rate : 0.0));
    };
    while (confirmed + refused < messages) {
        while (published < messages && static_cast<long>(outstanding.size()) < in_flight &&
               due(published) <= Clock::now()) {
            std::string id = "raw-" + std::to_string(published);
            amqp_basic_properties_t props{};
            props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
                           AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_CORRELATION_ID_FLAG;
            props.content_type = bytes(content_type);
            props.delivery_mode = 2;
            props.message_id = bytes(id);
            props.correlation_id = bytes(id);
            if (amqp_basic_publish(conn, 1, bytes(exchange), bytes(routing_key), 1, 0, &props,
                                   bytes(message.body)) != AMQP_STATUS_OK)
                die("publishing");
            outstanding.emplace(next_tag++, due(published));
            ++published;
        }
        amqp_frame_t frame;
        // Open loop: wake up when the next message is due, frame or not.
        auto wait = published < messages && static_cast<long>(outstanding.size()) < in_flight
                        ? std::max(Clock::duration::zero(), due(published) - Clock::now())
                        : std::chrono::seconds(30);
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(wait).count();
        timeval tv{static_cast<time_t>(us / 1'000'000), static_cast<suseconds_t>(us % 1'000'000)};
        int got = amqp_simple_wait_frame_noblock(conn, &frame, &tv);
        if (got == AMQP_STATUS_TIMEOUT) continue;
        if (got != AMQP_STATUS_OK) die("reading a frame");
        if (frame.frame_type != AMQP_FRAME_METHOD) continue;
        auto id = frame.payload.method.id;
        if (id == AMQP_BASIC_ACK_METHOD || id == AMQP_BASIC_NACK_METHOD) {
            uint64_t tag;
            bool multiple;
            if (id == AMQP_BASIC_ACK_METHOD) {
                auto* m = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
                tag = m->delivery_tag;
                multiple = m->multiple;
            } else {
                auto* m = static_cast<amqp_basic_nack_t*>(frame.payload.method.decoded);
                tag = m->delivery_tag;
                multiple = m->multiple;
            }
            auto end = multiple ? outstanding.upper_bound(tag) : outstanding.find(tag);
            auto begin = multiple ? outstanding.begin() : end;
            if (!multiple && end != outstanding.end()) ++end;
            long n = static_cast<long>(std::distance(begin, end));
            auto now = Clock::now();
            for (auto it = begin; it != end; ++it)
                latencies_ms.push_back(
                    std::chrono::duration<double, std::milli>(now - it->second).count());
            outstanding.erase(begin, end);
            (id == AMQP_BASIC_ACK_METHOD ? confirmed : refused) += n;
        } else if (id == AMQP_BASIC_RETURN_METHOD) {
            amqp_message_t returned;
            amqp_read_message(conn, 1, &returned, 0);
            amqp_destroy_message(&returned);
            die("a message was returned as unroutable: is a queue bound to event.push?");
        } else if (id == AMQP_CHANNEL_CLOSE_METHOD || id == AMQP_CONNECTION_CLOSE_METHOD) {
            die("the broker closed the channel");
        }
    }
    if (messages == 0) return 0;  // purged only
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::sort(latencies_ms.begin(), latencies_ms.end());
    std::printf(
        "messages=%ld confirmed=%ld refused=%ld seconds=%.3f rate=%.0f bytes=%zu p50_ms=%.2f "
        "p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
        messages, confirmed, refused, seconds, confirmed / seconds, message.body.size(),
        percentile(latencies_ms, 0.5), percentile(latencies_ms, 0.9),
        percentile(latencies_ms, 0.99), latencies_ms.empty() ? 0 : latencies_ms.back());
    amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn);
    return refused == 0 ? 0 : 1;
}
