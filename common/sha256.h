// SHA-256 of byte strings, whole or fed in pieces (OpenSSL's libcrypto), as lower-case hex.
// Dead letters carry the hash of the whole original when they keep only an excerpt of it, so
// an operator can match a truncated record against the input with `sha256sum`.
#ifndef NEWSFLOW_COMMON_SHA256_H_
#define NEWSFLOW_COMMON_SHA256_H_

#include <memory>
#include <string>
#include <string_view>

namespace newsflow {

// Hex digest of `data`.
std::string Sha256Hex(std::string_view data);

// Incremental form: Update as the bytes arrive, then Finish once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void Update(std::string_view data);
  // Hex digest of everything fed since construction or the last Finish; starts over.
  std::string Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_SHA256_H_
