// Sixteen bytes of text classified at once (SSE2): which are ASCII letters or digits, which
// are upper-case letters, and the bytes with ASCII letters lower-cased. Shared by the
// tokenizer's and the matching form's fast paths, which scan word runs this way.
#ifndef NEWSFLOW_COMMON_ASCII_SIMD_H_
#define NEWSFLOW_COMMON_ASCII_SIMD_H_

#if defined(__SSE2__)
#include <emmintrin.h>

namespace newsflow {

struct AsciiBlock {
  __m128i lower;     // the bytes, ASCII letters lower-cased (others: not meaningful)
  unsigned word;     // bit i: byte i is an ASCII letter or digit
  unsigned letters;  // bit i: byte i is an ASCII letter
  unsigned uppers;   // bit i: byte i is an upper-case ASCII letter
};

// Reads 16 bytes at `p`.
inline AsciiBlock ClassifyAscii16(const char* p) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i lower = _mm_or_si128(x, _mm_set1_epi8(0x20));  // digits keep their bytes
  // Signed compares: bytes >= 0x80 are negative, so neither letters nor digits.
  const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                       _mm_cmplt_epi8(lower, _mm_set1_epi8('z' + 1)));
  const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
                                      _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
  const __m128i upper = _mm_and_si128(
      letter, _mm_cmpeq_epi8(_mm_and_si128(x, _mm_set1_epi8(0x20)), _mm_setzero_si128()));
  return {lower, static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(letter, digit))),
          static_cast<unsigned>(_mm_movemask_epi8(letter)),
          static_cast<unsigned>(_mm_movemask_epi8(upper))};
}

}  // namespace newsflow

#endif  // __SSE2__
#endif  // NEWSFLOW_COMMON_ASCII_SIMD_H_
