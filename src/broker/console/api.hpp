#pragma once
// The console's JSON API (docs/console.md documents every route). Each file serves one part:
// api_topics.cpp (the overview, topics, partitions and configs),
// api_messages.cpp (browse, export, live tail, produce), api_groups.cpp (a group's members, lag
// and offset resets). Handlers read the engine directly; none blocks on anything but the disk.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "broker/broker.hpp"
#include "broker/net/http.hpp"

namespace kafka_do::broker::console {

using nlohmann::json;

HttpResponse json_response(int status, const json& body);
// {"error": message, "code": Kafka-style name}: what every failed API call answers.
HttpResponse error_response(int status, std::string_view code, std::string_view message);
// An engine failure as HTTP: 404 for not_found, 409 already_exists/busy, 400 bad input, 413 too
// large, else 500; the body names the failure.
HttpResponse engine_error(const Error& error);
// The request body as JSON, or nullopt (and `error` set to a 400 response) when it does not parse.
std::optional<json> parse_body(const HttpRequest& request, HttpResponse& error);

// A string as JSON can carry it: itself when it is UTF-8, else base64 with `encoding` set to
// "base64" ("utf8" otherwise), so binary keys and values reach the page intact and inert.
json bytes_to_json(std::string_view bytes, std::string& encoding);

// Every group with its state, member count and total lag (the overview's and /api/groups' list).
json groups_json(const Broker& broker);

// Routes below /api/ (`rest` is the path after "/api/").
HttpResponse overview(const Broker& broker);
HttpResponse list_topics(const Broker& broker);
HttpResponse create_topic(Broker& broker, const HttpRequest& request);
HttpResponse describe_topic(const Broker& broker, const std::string& topic);
HttpResponse alter_topic_configs(Broker& broker, const std::string& topic,
                                 const HttpRequest& request);
HttpResponse browse_messages(const Broker& broker, const std::string& topic,
                             const HttpRequest& request);
HttpResponse tail_messages(const Broker& broker, const std::string& topic,
                           const HttpRequest& request);
HttpResponse produce_message(Broker& broker, const std::string& topic, const HttpRequest& request);
HttpResponse list_groups(const Broker& broker);
HttpResponse describe_group(const Broker& broker, const std::string& group);
HttpResponse reset_group_offsets(Broker& broker, const std::string& group,
                                 const HttpRequest& request);

}  // namespace kafka_do::broker::console
