#include "notifier_store.hpp"

#include "strata/messages.hpp"

namespace strata::notifier {
namespace {

// KEYS[1] lock, KEYS[2..] to read; ARGV[1] owner, ARGV[2] ttl ms.
// -> {"busy"} or {"ok", value or "" per key}
const char* kClaim = R"lua(
local got = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
if not got then
  if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'busy'} end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
local out = {'ok'}
for i = 2, #KEYS do out[i] = redis.call('GET', KEYS[i]) or '' end
return out
)lua";

// KEYS[1] lock, KEYS[2..] to write; ARGV[1] owner, ARGV[2] release (1/0), then per key value
// and ttl seconds. -> 1, or 0 when the lock is not ours (nothing written).
const char* kWrite = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 2, #KEYS do
  local value = ARGV[2 * i - 1]
  local ttl = tonumber(ARGV[2 * i])
  if value == '' then
    redis.call('DEL', KEYS[i])
  elseif ttl > 0 then
    redis.call('SET', KEYS[i], value, 'EX', ttl)
  else
    redis.call('SET', KEYS[i], value)
  end
end
if ARGV[2] == '1' then redis.call('DEL', KEYS[1]) end
return 1
)lua";

const char* kRelease = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
)lua";

}  // namespace

NotifierStore::NotifierStore(RedisClient& redis, std::string prefix,
                             std::chrono::milliseconds lock_ttl)
    : redis_(redis), prefix_(std::move(prefix)), owner_(new_uuid()), lock_ttl_(lock_ttl) {
    redis_.register_script("notifier_claim", kClaim);
    redis_.register_script("notifier_write", kWrite);
    redis_.register_script("notifier_release", kRelease);
}

std::string NotifierStore::key(const std::string& what, const std::string& id) const {
    return prefix_ + ":notifier:" + what + ":" + id;
}

std::string NotifierStore::key(const std::string& name) const {
    return prefix_ + ":notifier:" + name;
}

void NotifierStore::claim(const std::string& name, std::vector<std::string> keys,
                          std::function<void(Result<std::optional<Values>>)> done) {
    keys.insert(keys.begin(), key("lock", name));
    auto expected = keys.size();
    redis_.eval("notifier_claim", std::move(keys), {owner_, std::to_string(lock_ttl_.count())},
                [done = std::move(done), expected](Result<RedisReply> r) {
                    if (!r) return done(r.error().context("reading notifier state"));
                    if (r->elements.empty())
                        return done(make_error("reading notifier state: empty reply"));
                    if (r->elements[0].str == "busy") return done(std::optional<Values>{});
                    if (r->elements.size() != expected)
                        return done(make_error("reading notifier state: unexpected reply"));
                    Values values;
                    for (std::size_t i = 1; i < r->elements.size(); ++i)
                        values.push_back(r->elements[i].str);
                    done(std::optional<Values>(std::move(values)));
                });
}

void NotifierStore::write(const std::string& name, std::vector<Write> writes, bool release,
                          std::function<void(Result<bool>)> done) {
    std::vector<std::string> keys = {key("lock", name)};
    std::vector<std::string> args = {owner_, release ? "1" : "0"};
    for (auto& w : writes) {
        keys.push_back(std::move(w.key));
        args.push_back(std::move(w.value));
        args.push_back(std::to_string(w.ttl.count()));
    }
    redis_.eval("notifier_write", std::move(keys), std::move(args),
                [done = std::move(done)](Result<RedisReply> r) {
                    if (!r) return done(r.error().context("writing notifier state"));
                    done(r->integer == 1);
                });
}

void NotifierStore::commit(const std::string& name, std::vector<Write> writes,
                           std::function<void(Result<bool>)> done) {
    write(name, std::move(writes), true, std::move(done));
}

void NotifierStore::save(const std::string& name, std::vector<Write> writes,
                         std::function<void(Result<bool>)> done) {
    write(name, std::move(writes), false, std::move(done));
}

void NotifierStore::release(const std::string& name) {
    redis_.eval("notifier_release", {key("lock", name)}, {owner_}, [](Result<RedisReply>) {});
}

}  // namespace strata::notifier
