// The media type of a webhook's body. A GitHub webhook is configured with one of two content
// types: application/json (the payload is the body) or application/x-www-form-urlencoded (the
// payload is the form field `payload`, URL-encoded). Ingest takes both; the signature covers the
// raw body as sent, whichever it is. Any other media type is answered 415.
#pragma once

#include <string>
#include <string_view>

#include "strata/result.hpp"

namespace strata::ingest {

enum class BodyEncoding { Json, Form, Unsupported };

// From a Content-Type header value; parameters (charset) are ignored, case does not matter.
BodyEncoding body_encoding(std::string_view content_type);

// The decoded value of the form field `payload`; an error when it is missing or badly encoded.
Result<std::string> form_payload(std::string_view body);

}  // namespace strata::ingest
