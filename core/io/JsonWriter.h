// The few pieces of JSON writing the project needs: a string with its
// escapes, a number that round-trips (null when not finite). Used by the
// command line's --json output and by core's configuration writer.
#pragma once

#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>

namespace hescape {

inline std::string jsonString(const std::string& s) {
    std::string out = "\"";
    for (const unsigned char c : s) {
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
