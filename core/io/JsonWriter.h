// The few pieces of JSON writing the project needs: a string with its
// escapes, a number that round-trips (null when not finite). Used by the
// command line's --json output and by core's configuration writer.
#pragma once

#include "core/io/Utf8.h"

#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>

namespace hescape {

// Bytes that are not UTF-8 are read as Latin-1 (what a TIFF's ASCII tags
// usually hold), so the output is always valid UTF-8 JSON.
inline std::string jsonString(const std::string& s) {
    std::string out = "\"";
    const auto* bytes = reinterpret_cast<const unsigned char*>(s.data());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const unsigned char c = bytes[i];
        if (c >= 0x80) {
            const std::size_t n = utf8SequenceLength(bytes + i, s.size() - i);
            if (n == 0) appendUtf8(out, c);
            else out.append(s, i, n);
            i += n == 0 ? 0 : n - 1;
            continue;
        }
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

inline std::string jsonNumber(double v) {
    if (!std::isfinite(v)) return "null";
    std::ostringstream s;
    s.precision(17);
    s << v;
    return s.str();
}

}  // namespace hescape
