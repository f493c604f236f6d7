// UTF-8 encoding of one Unicode code point, shared by the JSON parser (\u
// escapes) and the Zarr text decoders (UTF-32 strings). The caller checks
// that `cp` is a code point (at most 0x10FFFF, not a surrogate). And the
// length of a well-formed UTF-8 sequence, for writers that must not pass on
// bytes that are not UTF-8 (a TIFF's ASCII tags often hold Latin-1).
#pragma once

#include <cstdint>
#include <cstddef>
#include <string>

namespace hescape {

inline void appendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// The byte length (2-4) of the well-formed UTF-8 sequence starting at p[0]
// (a byte >= 0x80), or 0 when it is not one (overlong forms, surrogates and
// code points above 0x10FFFF included).
inline std::size_t utf8SequenceLength(const unsigned char* p, std::size_t avail) {
    const unsigned char c = p[0];
    const std::size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0 || n > avail) return 0;
    for (std::size_t i = 1; i < n; ++i)
        if ((p[i] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;   // overlong
    if (c == 0xED && p[1] >= 0xA0) return 0;  // surrogate
    if (c == 0xF0 && p[1] < 0x90) return 0;   // overlong
    if (c == 0xF4 && p[1] >= 0x90) return 0;  // above U+10FFFF
    return n;
}

}  // namespace hescape
