#include "amqp_connection.hpp"

#include <amqp_tcp_socket.h>

#include <cstring>
#include <deque>

namespace strata::detail {
namespace {

// The pipeline's queues ("strata.planner", ...; see topology.hpp) belong to their exchange: on
// exchange X they are "X.planner", so two deployments (or tests) sharing a broker under different
// exchanges never share a queue, nor redeclare it with another dead-letter exchange (which the
// broker refuses). With the default exchange "strata" the names are unchanged; other names are
// taken as given.
std::string broker_queue(const std::string& exchange, const std::string& name) {
    const std::string pipeline = "strata.";
    if (name.rfind(pipeline, 0) != 0) return name;
    return exchange + "." + name.substr(pipeline.size());
}

amqp_bytes_t bytes(const std::string& s) {
    return amqp_bytes_t{s.size(), const_cast<char*>(s.data())};
}

std::string to_string(amqp_bytes_t b) {
    return std::string(static_cast<const char*>(b.bytes), b.len);
}

std::string describe(amqp_rpc_reply_t reply, const char* what) {
    switch (reply.reply_type) {
        case AMQP_RESPONSE_NORMAL:
            return "";
        case AMQP_RESPONSE_NONE:
            return std::string(what) + ": missing reply";
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            return std::string(what) + ": " + amqp_error_string2(reply.library_error);
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
                auto* m = static_cast<amqp_connection_close_t*>(reply.reply.decoded);
                return std::string(what) +
                       ": connection closed by broker: " + to_string(m->reply_text);
            }
            if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
                auto* m = static_cast<amqp_channel_close_t*>(reply.reply.decoded);
                return std::string(what) +
                       ": channel closed by broker: " + to_string(m->reply_text);
            }
            return std::string(what) + ": broker error";
    }
    return std::string(what) + ": unknown reply";
}

// Keeps the strings an amqp_table_t points into alive.
struct Table {
    std::deque<std::string> storage;
    std::vector<amqp_table_entry_t> entries;

    void put_string(const std::string& key, const std::string& value) {
        amqp_table_entry_t e{};
        e.key = bytes(storage.emplace_back(key));
        e.value.kind = AMQP_FIELD_KIND_UTF8;
        e.value.value.bytes = bytes(storage.emplace_back(value));
        entries.push_back(e);
    }
    void put_int(const std::string& key, int64_t value) {
        amqp_table_entry_t e{};
        e.key = bytes(storage.emplace_back(key));
        e.value.kind = AMQP_FIELD_KIND_I64;
        e.value.value.i64 = value;
        entries.push_back(e);
    }
    amqp_table_t table() {
        return amqp_table_t{static_cast<int>(entries.size()),
                            entries.empty() ? nullptr : entries.data()};
    }
};

Delivery to_delivery(const amqp_message_t& msg) {
    Delivery d;
    d.body = to_string(msg.body);
    const auto& p = msg.properties;
    if (p._flags & AMQP_BASIC_MESSAGE_ID_FLAG) d.message_id = to_string(p.message_id);
    if (p._flags & AMQP_BASIC_CORRELATION_ID_FLAG) d.correlation_id = to_string(p.correlation_id);
    if (p._flags & AMQP_BASIC_HEADERS_FLAG) {
        for (int i = 0; i < p.headers.num_entries; ++i) {
            const auto& e = p.headers.entries[i];
            if (e.value.kind == AMQP_FIELD_KIND_UTF8 || e.value.kind == AMQP_FIELD_KIND_BYTES)
                d.headers[to_string(e.key)] = to_string(e.value.value.bytes);
        }
    }
    return d;
}

}  // namespace

AmqpConnection::~AmqpConnection() { close(); }

Result<void> AmqpConnection::open(const AmqpOptions& options) {
    close();
    std::string url = options.url;
    amqp_connection_info info{};
    if (amqp_parse_url(url.data(), &info) != AMQP_STATUS_OK) return make_error("parsing AMQP URL");
    // "amqp://host/" parses to the empty vhost, which nobody means: take it as the default "/".
    char default_vhost[] = "/";
    if (!info.vhost || !*info.vhost) info.vhost = default_vhost;
    conn_ = amqp_new_connection();
    amqp_socket_t* socket = amqp_tcp_socket_new(conn_);
    if (!socket) return make_error("creating AMQP socket");
    timeval timeout{5, 0};
    amqp_set_handshake_timeout(conn_, &timeout);
    amqp_set_rpc_timeout(conn_, &timeout);
    int status = amqp_socket_open_noblock(socket, info.host, info.port, &timeout);
    if (status != AMQP_STATUS_OK)
        return make_error(std::string("connecting to ") + info.host + ":" +
                          std::to_string(info.port) + ": " + amqp_error_string2(status));
    Table props;
    props.put_string("connection_name", options.connection_name);
    amqp_table_t client_properties = props.table();
    auto reply = amqp_login_with_properties(conn_, info.vhost, 0, AMQP_DEFAULT_FRAME_SIZE,
                                            options.heartbeat_seconds, &client_properties,
                                            AMQP_SASL_METHOD_PLAIN, info.user, info.password);
    if (auto e = describe(reply, "logging in to the broker"); !e.empty()) return make_error(e);
    amqp_channel_open(conn_, kPublishChannel);
    if (auto e = describe(amqp_get_rpc_reply(conn_), "opening channel"); !e.empty())
        return make_error(e);
    next_publish_tag_ = 1;
    exchange_ = options.exchange;
    return {};
}

Result<void> AmqpConnection::declare(const std::string& exchange,
                                     const std::vector<QueueSpec>& queues) {
    const std::string dlx = exchange + ".dlx";
    for (const auto* name : {&exchange, &dlx}) {
        amqp_exchange_declare(conn_, kPublishChannel, bytes(*name), amqp_cstring_bytes("topic"), 0,
                              1, 0, 0, amqp_empty_table);
        if (auto e = describe(amqp_get_rpc_reply(conn_), ("declaring exchange " + *name).c_str());
            !e.empty())
            return make_error(e);
    }
    for (const auto& q : queues) {
        const std::string queue = broker_queue(exchange, q.name);
        const std::string dlq = queue + ".dlq";
        Table dlq_args;
        dlq_args.put_string("x-queue-type", "quorum");
        amqp_table_t dlq_table = dlq_args.table();
        amqp_queue_declare(conn_, kPublishChannel, bytes(dlq), 0, 1, 0, 0, dlq_table);
        if (auto e = describe(amqp_get_rpc_reply(conn_), ("declaring queue " + dlq).c_str());
            !e.empty())
            return make_error(e);
        amqp_queue_bind(conn_, kPublishChannel, bytes(dlq), bytes(dlx), bytes(q.name),
                        amqp_empty_table);
        if (auto e = describe(amqp_get_rpc_reply(conn_), ("binding queue " + dlq).c_str());
            !e.empty())
            return make_error(e);

        Table args;
        args.put_string("x-queue-type", "quorum");
        args.put_string("x-dead-letter-exchange", dlx);
        args.put_string("x-dead-letter-routing-key", q.name);
        args.put_int("x-delivery-limit", q.delivery_limit);
        amqp_table_t table = args.table();
        amqp_queue_declare(conn_, kPublishChannel, bytes(queue), 0, 1, 0, 0, table);
        if (auto e = describe(amqp_get_rpc_reply(conn_), ("declaring queue " + queue).c_str());
            !e.empty())
            return make_error(e);
        for (const auto& key : q.bindings) {
            amqp_queue_bind(conn_, kPublishChannel, bytes(queue), bytes(exchange), bytes(key),
                            amqp_empty_table);
            if (auto e = describe(amqp_get_rpc_reply(conn_), ("binding queue " + queue).c_str());
                !e.empty())
                return make_error(e);
        }
    }
    amqp_confirm_select(conn_, kPublishChannel);
    if (auto e = describe(amqp_get_rpc_reply(conn_), "enabling publisher confirms"); !e.empty())
        return make_error(e);
    return {};
}

Result<void> AmqpConnection::consume(const std::vector<QueueSpec>& queues,
                                     const std::set<std::string>& paused) {
    for (std::size_t i = 0; i < queues.size(); ++i) {
        if (!queues[i].consume) continue;
        int channel = static_cast<int>(2 + i);
        amqp_channel_open(conn_, channel);
        if (auto e = describe(amqp_get_rpc_reply(conn_), "opening consumer channel"); !e.empty())
            return make_error(e);
        amqp_basic_qos(conn_, channel, 0, static_cast<uint16_t>(queues[i].prefetch), 0);
        if (auto e = describe(amqp_get_rpc_reply(conn_), "setting prefetch"); !e.empty())
            return make_error(e);
        if (paused.count(queues[i].name)) continue;
        std::string tag = "strata-" + queues[i].name;
        const std::string queue = broker_queue(exchange_, queues[i].name);
        amqp_basic_consume(conn_, channel, bytes(queue), bytes(tag), 0, 0, 0, amqp_empty_table);
        if (auto e = describe(amqp_get_rpc_reply(conn_), ("consuming " + queue).c_str());
            !e.empty())
            return make_error(e);
    }
    return {};
}

Result<void> AmqpConnection::cancel_consumers(const std::vector<QueueSpec>& queues) {
    for (std::size_t i = 0; i < queues.size(); ++i) {
        if (!queues[i].consume) continue;
        std::string tag = "strata-" + queues[i].name;
        // Not an RPC wait: the cancel-ok arrives with the frames the thread reads anyway.
        amqp_basic_cancel_t cancel{bytes(tag), 1};
        int status = amqp_send_method(conn_, static_cast<amqp_channel_t>(2 + i),
                                      AMQP_BASIC_CANCEL_METHOD, &cancel);
        if (status != AMQP_STATUS_OK)
            return make_error(std::string("cancelling consumer: ") + amqp_error_string2(status));
    }
    return {};
}

Result<void> AmqpConnection::set_consumer(const std::vector<QueueSpec>& queues, std::size_t index,
                                          bool on) {
    if (index >= queues.size() || !queues[index].consume) return {};
    std::string tag = "strata-" + queues[index].name;
    auto channel = static_cast<amqp_channel_t>(2 + index);
    int status;
    if (on) {
        const std::string queue = broker_queue(exchange_, queues[index].name);
        amqp_basic_consume_t consume{};
        consume.queue = bytes(queue);
        consume.consumer_tag = bytes(tag);
        consume.nowait = 1;
        consume.arguments = amqp_empty_table;
        status = amqp_send_method(conn_, channel, AMQP_BASIC_CONSUME_METHOD, &consume);
    } else {
        amqp_basic_cancel_t cancel{bytes(tag), 1};
        status = amqp_send_method(conn_, channel, AMQP_BASIC_CANCEL_METHOD, &cancel);
    }
    if (status != AMQP_STATUS_OK)
        return make_error(std::string(on ? "resuming" : "pausing") +
                          " consumer: " + amqp_error_string2(status));
    return {};
}

Result<uint64_t> AmqpConnection::publish(const std::string& exchange, const OutgoingMessage& m) {
    amqp_basic_properties_t props{};
    props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
                   AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_CORRELATION_ID_FLAG;
    props.content_type = bytes(m.content_type);
    props.delivery_mode = 2;  // persistent
    props.message_id = bytes(m.message_id);
    props.correlation_id = bytes(m.correlation_id);
    Table headers;
    for (const auto& [k, v] : m.headers) headers.put_string(k, v);
    if (!m.headers.empty()) {
        props._flags |= AMQP_BASIC_HEADERS_FLAG;
        props.headers = headers.table();
    }
    int status = amqp_basic_publish(conn_, kPublishChannel, bytes(exchange), bytes(m.routing_key),
                                    1, 0, &props, bytes(m.body));
    if (status != AMQP_STATUS_OK)
        return make_error(std::string("publishing ") + m.routing_key + ": " +
                          amqp_error_string2(status));
    return next_publish_tag_++;
}

Result<void> AmqpConnection::ack(int channel, uint64_t tag) {
    int status = amqp_basic_ack(conn_, static_cast<amqp_channel_t>(channel), tag, 0);
    if (status != AMQP_STATUS_OK)
        return make_error(std::string("acking: ") + amqp_error_string2(status));
    return {};
}

Result<void> AmqpConnection::reject(int channel, uint64_t tag, bool requeue) {
    int status =
        amqp_basic_reject(conn_, static_cast<amqp_channel_t>(channel), tag, requeue ? 1 : 0);
    if (status != AMQP_STATUS_OK)
        return make_error(std::string("rejecting: ") + amqp_error_string2(status));
    return {};
}

int AmqpConnection::socket_fd() const { return conn_ ? amqp_get_sockfd(conn_) : -1; }

bool AmqpConnection::has_buffered_frames() const {
    return conn_ && (amqp_frames_enqueued(conn_) || amqp_data_in_buffer(conn_));
}

InboundEvent AmqpConnection::poll_event() {
    InboundEvent ev;
    amqp_frame_t frame{};
    timeval zero{0, 0};
    int status = amqp_simple_wait_frame_noblock(conn_, &frame, &zero);
    if (status == AMQP_STATUS_TIMEOUT) {
        if (++frame_reads_ > 64) {
            amqp_maybe_release_buffers(conn_);
            frame_reads_ = 0;
        }
        return ev;
    }
    if (status != AMQP_STATUS_OK) {
        ev.kind = InboundEvent::Kind::Closed;
        ev.error = std::string("reading from the broker: ") + amqp_error_string2(status);
        return ev;
    }
    if (frame.frame_type != AMQP_FRAME_METHOD) return ev;  // stray header/body or heartbeat
    ev.channel = frame.channel;
    switch (frame.payload.method.id) {
        case AMQP_BASIC_ACK_METHOD: {
            auto* m = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
            ev.kind = InboundEvent::Kind::Ack;
            ev.tag = m->delivery_tag;
            ev.multiple = m->multiple;
            return ev;
        }
        case AMQP_BASIC_NACK_METHOD: {
            auto* m = static_cast<amqp_basic_nack_t*>(frame.payload.method.decoded);
            ev.kind = InboundEvent::Kind::Nack;
            ev.tag = m->delivery_tag;
            ev.multiple = m->multiple;
            return ev;
        }
        case AMQP_BASIC_RETURN_METHOD:
        case AMQP_BASIC_DELIVER_METHOD: {
            bool deliver = frame.payload.method.id == AMQP_BASIC_DELIVER_METHOD;
            uint64_t tag = 0;
            bool redelivered = false;
            std::string routing_key;
            if (deliver) {
                auto* m = static_cast<amqp_basic_deliver_t*>(frame.payload.method.decoded);
                tag = m->delivery_tag;
                redelivered = m->redelivered;
                routing_key = to_string(m->routing_key);
            } else {  // the routing key tells returns of publishes sharing a message id apart
                auto* m = static_cast<amqp_basic_return_t*>(frame.payload.method.decoded);
                routing_key = to_string(m->routing_key);
            }
            amqp_message_t msg{};
            auto reply = amqp_read_message(conn_, frame.channel, &msg, 0);
            if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
                ev.kind = InboundEvent::Kind::Closed;
                ev.error = describe(reply, "reading a message");
                return ev;
            }
            ev.kind = deliver ? InboundEvent::Kind::Delivered : InboundEvent::Kind::Returned;
            ev.delivery = to_delivery(msg);
            ev.delivery.routing_key = routing_key;
            ev.delivery.redelivered = redelivered;
            ev.tag = tag;
            amqp_destroy_message(&msg);
            return ev;
        }
        case AMQP_CHANNEL_CLOSE_METHOD:
        case AMQP_CONNECTION_CLOSE_METHOD: {
            ev.kind = InboundEvent::Kind::Closed;
            amqp_bytes_t text =
                frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD
                    ? static_cast<amqp_channel_close_t*>(frame.payload.method.decoded)->reply_text
                    : static_cast<amqp_connection_close_t*>(frame.payload.method.decoded)
                          ->reply_text;
            ev.error =
                "broker closed the " +
                std::string(frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ? "channel"
                                                                                 : "connection") +
                ": " + to_string(text);
            return ev;
        }
        default:
            return ev;  // consume-ok, cancel-ok, qos-ok and the like
    }
}

void AmqpConnection::close(bool graceful) {
    if (!conn_) return;
    if (graceful) amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn_);
    conn_ = nullptr;
}

}  // namespace strata::detail
