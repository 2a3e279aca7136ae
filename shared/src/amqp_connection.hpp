// One rabbitmq-c connection: open, declare, publish, settle, read frames. Private to shared/;
// used only from the AmqpClient's connection thread (rabbitmq-c is not thread-safe).
#pragma once

#include <amqp.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "strata/amqp.hpp"
#include "strata/result.hpp"

namespace strata::detail {

// What arrived on the connection.
struct InboundEvent {
    enum class Kind { None, Ack, Nack, Returned, Delivered, Closed };
    Kind kind = Kind::None;
    int channel = 0;
    uint64_t tag = 0;  // delivery tag (Ack/Nack/Delivered)
    bool multiple = false;
    Delivery delivery;  // Delivered; Returned (only message_id is meaningful)
    std::string error;  // Closed
};

class AmqpConnection {
public:
    static constexpr int kPublishChannel = 1;

    AmqpConnection() = default;
    ~AmqpConnection();
    AmqpConnection(const AmqpConnection&) = delete;
    AmqpConnection& operator=(const AmqpConnection&) = delete;

    Result<void> open(const AmqpOptions& options);
    // Exchanges, queues, bindings; confirm mode on the publish channel.
    Result<void> declare(const std::string& exchange, const std::vector<QueueSpec>& queues);
    // Starts consuming queues[i] on channel 2 + i (those with consume set; a paused one gets its
    // channel but no consumer).
    Result<void> consume(const std::vector<QueueSpec>& queues,
                         const std::set<std::string>& paused = {});
    Result<void> cancel_consumers(const std::vector<QueueSpec>& queues);
    // Turns the consumer of queues[index] on or off (no wait for consume-ok / cancel-ok).
    Result<void> set_consumer(const std::vector<QueueSpec>& queues, std::size_t index, bool on);

    // Returns the delivery tag the broker will confirm.
    Result<uint64_t> publish(const std::string& exchange, const OutgoingMessage& message);
    Result<void> ack(int channel, uint64_t tag);
    Result<void> reject(int channel, uint64_t tag, bool requeue);

    int socket_fd() const;
    bool has_buffered_frames() const;
    // Reads one event without blocking (Kind::None when nothing is ready); services heartbeats.
    InboundEvent poll_event();
    // graceful: a clean close handshake; otherwise the socket is just dropped (broken link).
    void close(bool graceful = false);

private:
    amqp_connection_state_t conn_ = nullptr;
    uint64_t next_publish_tag_ = 1;
    int frame_reads_ = 0;
    std::string exchange_;  // from open(): the pipeline's queues are named after it
};

}  // namespace strata::detail
