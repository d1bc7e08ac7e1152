#include "common/sha256.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

namespace newsflow {

struct Sha256::State {
  EVP_MD_CTX* context = nullptr;
};

namespace {

void Begin(EVP_MD_CTX* context) {
  // Only fails when OpenSSL cannot allocate; nothing sensible is left to do then.
  if (EVP_DigestInit_ex(context, EVP_sha256(), nullptr) != 1) std::abort();
}

}  // namespace

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->context = EVP_MD_CTX_new();
  if (state_->context == nullptr) std::abort();
  Begin(state_->context);
}

Sha256::~Sha256() {
  if (state_ != nullptr) EVP_MD_CTX_free(state_->context);
}

Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&& other) noexcept {
  if (this != &other) {
    if (state_ != nullptr) EVP_MD_CTX_free(state_->context);
    state_ = std::move(other.state_);
  }
  return *this;
}

void Sha256::Update(std::string_view data) {
  if (!data.empty()) EVP_DigestUpdate(state_->context, data.data(), data.size());
}

std::string Sha256::Finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(state_->context, digest, &length);
  Begin(state_->context);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xF]);
  }
  return hex;
}

std::string Sha256Hex(std::string_view data) {
  Sha256 hash;
  hash.Update(data);
  return hash.Finish();
}

}  // namespace newsflow
