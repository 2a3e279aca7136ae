// AMQP 0-9-1 client on rabbitmq-c. rabbitmq-c is blocking and not thread-safe, so each client
// owns one connection on its own thread (channel 1 publishes in confirm mode, channel 2
// consumes); everything reaches the daemon through Loop::post and runs on the loop thread.
//
// Topology, declared on every (re)connect: one durable topic exchange, a dead-letter exchange
// "<exchange>.dlx", and for each declared queue a durable quorum queue with a delivery limit
// whose dead letters, like those of dead_letter(), land in "<queue>.dlq".
//
// Publishing: persistent, mandatory, confirmed. The callback runs once: ok when the broker
// confirmed, an error when it nacked, returned the message as unroutable, the connection broke
// before the confirm, or publish_timeout passed; at once when not connected or after close().
// A write the broker does not take within publish_timeout (it blocks publishers during a
// resource alarm; a dead link fills the socket buffers) drops the connection, which is made again.
//
// Consuming (manual acks, prefetch): every delivery must be settled once through its
// DeliveryControl: ack() after the effect is durable; requeue() for a transient failure;
// dead_letter(reason) for a message that can never succeed (it is published to the DLQ with the
// reason in header x-strata-reason, then acked). Settling a delivery from a connection that has
// since broken does nothing: the broker redelivers it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strata/result.hpp"

namespace strata {

class Loop;

struct AmqpOptions {
    std::string url = "amqp://guest:guest@127.0.0.1:5672/";
    std::string exchange = "strata";
    std::string connection_name = "strata";
    int heartbeat_seconds = 10;
    std::chrono::milliseconds publish_timeout{5'000};
    std::chrono::milliseconds max_backoff{5'000};
    // requeue() holds a delivery this long before handing it back, so a transient failure
    // (Redis or a peer down) does not spin through the queue's delivery limit.
    std::chrono::milliseconds requeue_delay{1'000};
};

struct QueueSpec {
    std::string name;
    std::vector<std::string> bindings;  // routing-key patterns on the exchange
    int delivery_limit = 20;            // quorum queue x-delivery-limit
    int prefetch = 16;
    bool consume = true;  // false: declare and bind only
};

struct OutgoingMessage {
    std::string routing_key;
    std::string body;
    std::string message_id;
    std::string correlation_id;
    std::string content_type = "application/json";
    std::map<std::string, std::string> headers;
};

struct Delivery {
    std::string queue;
    std::string routing_key;
    std::string body;
    std::string message_id;
    std::string correlation_id;
    bool redelivered = false;
    std::map<std::string, std::string> headers;  // string-valued headers only
};

class DeliveryControl {
public:
    virtual ~DeliveryControl() = default;
    virtual void ack() = 0;
    virtual void requeue() = 0;
    virtual void dead_letter(std::string reason) = 0;
};

using DeliveryHandler = std::function<void(const Delivery&, std::shared_ptr<DeliveryControl>)>;
using PublishCallback = std::function<void(Result<void>)>;

class AmqpClient {
public:
    AmqpClient(Loop& loop, AmqpOptions options);
    ~AmqpClient();  // stops the thread; pending publishes fail
    AmqpClient(const AmqpClient&) = delete;
    AmqpClient& operator=(const AmqpClient&) = delete;

    // Before start(): queues to declare and, unless spec.consume is false, consume.
    void declare(QueueSpec spec, DeliveryHandler handler = nullptr);

    bool has_queue(const std::string& name) const;

    void start();
    bool healthy() const;  // connected and topology declared

    // Thread-safe to call from the loop thread; callback runs on the loop thread.
    void publish(OutgoingMessage message, PublishCallback callback);

    // Stops new deliveries (basic.cancel); deliveries already handed over may still be settled.
    void stop_consuming();
    // Pauses (basic.cancel) or resumes (basic.consume) one declared queue, e.g. while every job
    // slot of an executor is busy; a pause holds across reconnects. Runs in order with settles:
    // pausing before acking a delivery (at prefetch 1) means no further delivery from that queue;
    // one already in flight must still be settled. After stop_consuming() a resume does nothing.
    void set_consuming(const std::string& queue, bool on);
    // Waits (up to deadline) for outstanding publishes, then closes the connection.
    void close(std::chrono::milliseconds deadline);

    struct Impl;  // opaque; public only so the delivery controls can refer to it

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace strata
