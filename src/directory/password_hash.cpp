#include "directory/password_hash.hpp"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "base/base64.hpp"

namespace facteur::directory {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kTagBytes = 32;
constexpr std::size_t kMinSalt = 8, kMaxSalt = 64;
constexpr std::size_t kMinTag = 4, kMaxTag = 64;

std::string_view type_name(Argon2Type type) {
  switch (type) {
    case Argon2Type::argon2d:
      return "argon2d";
    case Argon2Type::argon2i:
      return "argon2i";
    case Argon2Type::argon2id:
      return "argon2id";
  }
  return "argon2id";
}

argon2_type to_lib(Argon2Type type) {
  switch (type) {
    case Argon2Type::argon2d:
      return Argon2_d;
    case Argon2Type::argon2i:
      return Argon2_i;
    case Argon2Type::argon2id:
      return Argon2_id;
  }
  return Argon2_id;
}

bool params_in_range(const Argon2Params& p, const Argon2Params& max) {
  return p.iterations >= 1 && p.iterations <= max.iterations && p.parallelism >= 1 &&
         p.parallelism <= max.parallelism && p.memory_kib >= 8 * p.parallelism &&
         p.memory_kib <= max.memory_kib;
}

// Takes the next '$'-separated field.
std::string_view next_field(std::string_view& s) {
  auto pos = s.find('$');
  std::string_view field = s.substr(0, pos);
  s.remove_prefix(pos == std::string_view::npos ? s.size() : pos + 1);
  return field;
}

// "name=decimal" with 1..10 digits, no sign, no leading zero (PHC string format).
bool parse_param(std::string_view field, std::string_view name, std::uint32_t& value) {
  if (field.size() <= name.size() + 1 || field.substr(0, name.size()) != name ||
      field[name.size()] != '=')
    return false;
  std::string_view digits = field.substr(name.size() + 1);
  if (digits.size() > 10 || (digits.size() > 1 && digits[0] == '0')) return false;
  std::uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + std::uint64_t(c - '0');
  }
  if (v > UINT32_MAX) return false;
  value = static_cast<std::uint32_t>(v);
  return true;
}

}  // namespace

Result<std::string> argon2_raw(Argon2Type type, std::uint32_t version, const Argon2Params& params,
                               std::string_view password, std::string_view salt,
                               std::string_view secret, std::string_view associated_data,
                               std::size_t tag_length) {
  if (version != ARGON2_VERSION_10 && version != ARGON2_VERSION_13)
    return make_error(Errc::invalid_argument, "argon2: unknown version");
  if (tag_length < kMinTag || tag_length > 1024)
    return make_error(Errc::invalid_argument, "argon2: tag length out of range");
  if (password.size() > UINT32_MAX || salt.size() > UINT32_MAX || secret.size() > UINT32_MAX ||
      associated_data.size() > UINT32_MAX)
    return make_error(Errc::invalid_argument, "argon2: input too long");
  std::string tag(tag_length, '\0');
  argon2_context ctx{};
  ctx.out = reinterpret_cast<std::uint8_t*>(tag.data());
  ctx.outlen = static_cast<std::uint32_t>(tag_length);
  // libargon2 takes non-const pointers but only writes through them with the CLEAR flags,
  // which stay off.
  ctx.pwd = reinterpret_cast<std::uint8_t*>(const_cast<char*>(password.data()));
  ctx.pwdlen = static_cast<std::uint32_t>(password.size());
  ctx.salt = reinterpret_cast<std::uint8_t*>(const_cast<char*>(salt.data()));
  ctx.saltlen = static_cast<std::uint32_t>(salt.size());
  ctx.secret = reinterpret_cast<std::uint8_t*>(const_cast<char*>(secret.data()));
  ctx.secretlen = static_cast<std::uint32_t>(secret.size());
  ctx.ad = reinterpret_cast<std::uint8_t*>(const_cast<char*>(associated_data.data()));
  ctx.adlen = static_cast<std::uint32_t>(associated_data.size());
  ctx.t_cost = params.iterations;
  ctx.m_cost = params.memory_kib;
  ctx.lanes = params.parallelism;
  ctx.threads = 1;  // the worker pool provides the parallelism, one login per thread
  ctx.version = version;
  ctx.flags = ARGON2_DEFAULT_FLAGS;
  const int rc = argon2_ctx(&ctx, to_lib(type));
  if (rc != ARGON2_OK)
    return make_error(Errc::invalid_argument, std::string("argon2: ") + argon2_error_message(rc));
  return tag;
}

Result<PhcHash> parse_phc(std::string_view phc) {
  auto bad = [](const char* what) {
    return make_error(Errc::parse_error, std::string("PHC string: ") + what);
  };
  if (phc.size() > 512) return bad("too long");
  if (phc.empty() || phc[0] != '$') return bad("must start with '$'");
  phc.remove_prefix(1);
  PhcHash out;
  const std::string_view id = next_field(phc);
  if (id == "argon2id")
    out.type = Argon2Type::argon2id;
  else if (id == "argon2i")
    out.type = Argon2Type::argon2i;
  else if (id == "argon2d")
    out.type = Argon2Type::argon2d;
  else
    return bad("not an argon2 hash");

  std::string_view field = next_field(phc);
  out.version = ARGON2_VERSION_10;
  if (field.starts_with("v=")) {
    std::uint32_t v = 0;
    if (!parse_param(field, "v", v) || (v != ARGON2_VERSION_10 && v != ARGON2_VERSION_13))
      return bad("bad version");
    out.version = v;
    field = next_field(phc);
  }
  // m=...,t=...,p=... in this order (the PHC format fixes it for argon2).
  const auto c1 = field.find(',');
  const auto c2 = c1 == std::string_view::npos ? c1 : field.find(',', c1 + 1);
  if (c2 == std::string_view::npos || field.find(',', c2 + 1) != std::string_view::npos)
    return bad("bad parameters");
  if (!parse_param(field.substr(0, c1), "m", out.params.memory_kib) ||
      !parse_param(field.substr(c1 + 1, c2 - c1 - 1), "t", out.params.iterations) ||
      !parse_param(field.substr(c2 + 1), "p", out.params.parallelism))
    return bad("bad parameters");
  if (out.params.iterations < 1 || out.params.parallelism < 1 ||
      out.params.memory_kib < 8 * out.params.parallelism)
    return bad("parameters out of range");

  const std::string_view salt_text = next_field(phc);
  const std::string_view hash_text = next_field(phc);
  if (!phc.empty()) return bad("trailing fields");
  auto salt = base64_decode(salt_text, Base64Padding::none);
  auto hash = base64_decode(hash_text, Base64Padding::none);
  if (!salt || salt->size() < kMinSalt || salt->size() > kMaxSalt) return bad("bad salt");
  if (!hash || hash->size() < kMinTag || hash->size() > kMaxTag) return bad("bad hash");
  out.salt = std::move(*salt);
  out.hash = std::move(*hash);
  return out;
}

std::string format_phc(const PhcHash& h) {
  std::string out = "$";
  out += type_name(h.type);
  if (h.version != ARGON2_VERSION_10) out += "$v=" + std::to_string(h.version);
  out += "$m=" + std::to_string(h.params.memory_kib) + ",t=" + std::to_string(h.params.iterations) +
         ",p=" + std::to_string(h.params.parallelism);
  out += '$';
  out += base64_encode(h.salt, Base64Padding::none);
  out += '$';
  out += base64_encode(h.hash, Base64Padding::none);
  return out;
}

Result<std::string> hash_password(std::string_view password, const Argon2Params& params) {
  if (!params_in_range(params, kMaxVerifyParams))
    return make_error(Errc::invalid_argument, "argon2: parameters out of range");
  PhcHash h;
  h.type = Argon2Type::argon2id;
  h.version = ARGON2_VERSION_13;
  h.params = params;
  h.salt.assign(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(h.salt.data()), int(kSaltBytes)) != 1)
    return make_error(Errc::internal, "RAND_bytes failed");
  auto tag = argon2_raw(h.type, h.version, params, password, h.salt, {}, {}, kTagBytes);
  if (!tag) return std::unexpected(tag.error());
  h.hash = std::move(*tag);
  return format_phc(h);
}

bool verify_password(std::string_view phc, std::string_view password) {
  auto h = parse_phc(phc);
  if (!h || !params_in_range(h->params, kMaxVerifyParams)) return false;
  auto tag = argon2_raw(h->type, h->version, h->params, password, h->salt, {}, {}, h->hash.size());
  if (!tag || tag->size() != h->hash.size()) return false;
  return CRYPTO_memcmp(tag->data(), h->hash.data(), tag->size()) == 0;
}

bool needs_rehash(std::string_view phc, const Argon2Params& wanted) {
  auto h = parse_phc(phc);
  if (!h) return true;
  return h->type != Argon2Type::argon2id || h->version != ARGON2_VERSION_13 ||
         h->params.memory_kib != wanted.memory_kib || h->params.iterations != wanted.iterations ||
         h->params.parallelism != wanted.parallelism || h->salt.size() < kSaltBytes ||
         h->hash.size() < kTagBytes;
}

}  // namespace facteur::directory
