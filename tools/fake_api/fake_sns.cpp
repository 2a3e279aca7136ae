// AWS SNS Publish (query API under /sns) with SigV4 checks: the Authorization header well
// formed, X-Amz-Date present, matching the credential scope and within 15 minutes, host and
// x-amz-date signed, and, for an access key the test registered, the signature itself. Also the
// EC2 instance metadata service (IMDSv2) when a test gave it credentials to hand out.
#include <ctime>

#include "fake_apis.hpp"
#include "strata/aws_sigv4.hpp"
#include "strata/messages.hpp"

namespace strata::fake {
namespace {

HttpResponse aws_error(int status, const std::string& type, const std::string& code,
                       const std::string& message) {
    auto r = HttpResponse::text(
        status, "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>" +
                    type + "</Type><Code>" + code + "</Code><Message>" + message +
                    "</Message></Error><RequestId>" + new_uuid() + "</RequestId></ErrorResponse>");
    r.content_type = "text/xml";
    return r;
}

std::map<std::string, std::string> parse_form(const std::string& body) {
    std::map<std::string, std::string> out;
    for (std::size_t start = 0; start <= body.size();) {
        auto end = body.find('&', start);
        auto pair = body.substr(start, end == std::string::npos ? std::string::npos : end - start);
        start = end == std::string::npos ? body.size() + 1 : end + 1;
        auto eq = pair.find('=');
        if (eq == std::string::npos) continue;
        out[aws::uri_decode(pair.substr(0, eq), true)] = aws::uri_decode(pair.substr(eq + 1), true);
    }
    return out;
}

// "20150830T123600Z" -> time; false when malformed.
bool parse_amz_date(const std::string& text, Clock::time_point& out) {
    std::tm tm{};
    if (text.size() != 16 || strptime(text.c_str(), "%Y%m%dT%H%M%SZ", &tm) == nullptr) return false;
    out = Clock::from_time_t(timegm(&tm));
    return true;
}

}  // namespace

HttpResponse FakeApis::sns(const HttpRequest& req) {
    HttpResponse resp;
    if (inject_failure("sns", resp)) return resp;
    auto sender = [](int status, const std::string& code, const std::string& message) {
        return aws_error(status, "Sender", code, message);
    };
    aws::SigV4Authorization auth;
    std::string why;
    if (req.header("authorization").empty())
        return sender(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
    if (!aws::parse_authorization(req.header("authorization"), auth, why))
        return sender(403, "IncompleteSignature", why);
    const auto& date = req.header("x-amz-date");
    Clock::time_point signed_at;
    if (!parse_amz_date(date, signed_at))
        return sender(403, "IncompleteSignature", "X-Amz-Date is missing or malformed");
    if (date.substr(0, 8) != auth.date)
        return sender(403, "SignatureDoesNotMatch", "Credential date does not match X-Amz-Date");
    if (auth.service != "sns")
        return sender(403, "SignatureDoesNotMatch",
                      "Credential should be scoped to correct service: 'sns'");
    auto skew = Clock::now() - signed_at;
    if (skew > std::chrono::minutes(15) || skew < -std::chrono::minutes(15))
        return sender(403, "SignatureDoesNotMatch", "Signature expired: " + date);
    auto is_signed = [&](const std::string& h) {
        return std::find(auth.signed_headers.begin(), auth.signed_headers.end(), h) !=
               auth.signed_headers.end();
    };
    if (!is_signed("host") || !is_signed("x-amz-date"))
        return sender(403, "IncompleteSignature", "host and x-amz-date must be signed");
    if (!aws_keys_.empty()) {
        auto key = aws_keys_.find(auth.access_key_id);
        if (key == aws_keys_.end())
            return sender(403, "InvalidClientTokenId",
                          "The security token included in the request is invalid.");
        aws::SigV4Request to_check{req.method, aws::uri_decode(req.path), req.query, {}, req.body};
        aws::SigV4Options options{auth.region, auth.service, date};
        options.sign_body = is_signed("x-amz-content-sha256");
        options.omit_session_token = !is_signed("x-amz-security-token");
        for (const auto& name : auth.signed_headers) {
            if (name == "x-amz-date" || name == "x-amz-security-token" ||
                name == "x-amz-content-sha256")
                continue;
            to_check.headers.emplace_back(name, req.header(name));
        }
        aws::Credentials credentials{auth.access_key_id, key->second,
                                     req.header("x-amz-security-token")};
        if (aws::sign_v4(to_check, credentials, options).signature != auth.signature)
            return sender(
                403, "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.");
    }
    if (req.header("content-type").rfind("application/x-www-form-urlencoded", 0) != 0)
        return sender(400, "InvalidParameter",
                      "Content-Type must be application/x-www-form-urlencoded");
    auto form = parse_form(req.body);
    if (form["Action"] != "Publish") return sender(400, "InvalidAction", "Action must be Publish");
    if (form["Version"] != "2010-03-31")
        return sender(400, "InvalidParameter", "Version must be 2010-03-31");
    const auto& arn = form["TopicArn"];
    if (arn.rfind("arn:aws", 0) != 0 || arn.find(":sns:") == std::string::npos)
        return sender(400, "InvalidParameter", "Invalid parameter: TopicArn");
    if (form["Message"].empty()) return sender(400, "InvalidParameter", "Empty message");
    if (form["Message"].size() > 256 * 1024)
        return sender(400, "InvalidParameter", "Message too long");
    sns_messages_.push_back({{"topic", arn},
                             {"message", form["Message"]},
                             {"access_key_id", auth.access_key_id},
                             {"session_token", req.header("x-amz-security-token")}});
    auto r = HttpResponse::text(
        200,
        "<PublishResponse "
        "xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult><MessageId>" +
            new_uuid() + "</MessageId></PublishResult><ResponseMetadata><RequestId>" + new_uuid() +
            "</RequestId></ResponseMetadata></PublishResponse>");
    r.content_type = "text/xml";
    return r;
}

HttpResponse FakeApis::imds(const HttpRequest& req) {
    if (!imds_credentials_.is_object()) return HttpResponse::text(404, "Not Found");
    if (req.path == "/latest/api/token") {
        if (req.method != "PUT" || req.header("x-aws-ec2-metadata-token-ttl-seconds").empty())
            return HttpResponse::text(400, "Bad Request");
        imds_token_ = "imds-" + new_uuid();
        return HttpResponse::text(200, imds_token_);
    }
    if (imds_token_.empty() || req.header("x-aws-ec2-metadata-token") != imds_token_)
        return HttpResponse::text(401, "Unauthorized");
    const std::string roles = "/latest/meta-data/iam/security-credentials/";
    if (req.path == roles) return HttpResponse::text(200, "strata-notifier-role");
    if (req.path == roles + "strata-notifier-role") {
        json c = imds_credentials_;
        c["Code"] = "Success";
        c["Type"] = "AWS-HMAC";
        return HttpResponse::json(200, c.dump());
    }
    return HttpResponse::text(404, "Not Found");
}

}  // namespace strata::fake
