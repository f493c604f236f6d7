// Recursive-descent JSON parser with line/column tracking.
#include "core/io/Json.h"

#include "core/io/Utf8.h"

#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

namespace hescape {

std::vector<std::string> JsonValue::strings(const std::string& key) const {
    std::vector<std::string> out;
    if (const JsonValue* v = find(key); v && v->isArray())
        for (const auto& e : v->asArray())
            if (e.isString()) out.push_back(e.asString());
    return out;
}

const JsonValue* JsonValue::find(const std::string& key) const {
    if (!isObject()) return nullptr;
    const auto& o = asObject();
    const auto it = o.find(key);
    return it == o.end() ? nullptr : &it->second;
}

std::optional<double> JsonValue::number(const std::string& key) const {
    const JsonValue* v = find(key);
    if (!v || !v->isNumber()) return std::nullopt;
    return v->asNumber();
}

namespace {

class Parser {
public:
    Parser(const std::string& text, const std::string& origin) : s_(text), origin_(origin) {}

    JsonValue parseDocument() {
        JsonValue v = value(0);
        ws();
        if (i_ != s_.size()) fail("unexpected text after the JSON value");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        std::size_t line = 1, col = 1;
        for (std::size_t k = 0; k < i_ && k < s_.size(); ++k) {
            if (s_[k] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        throw JsonError(origin_ + ": line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + what);
    }

    void ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }

    bool literal(const char* word) {
        const std::size_t n = std::char_traits<char>::length(word);
        if (s_.compare(i_, n, word) != 0) return false;
        i_ += n;
        return true;
    }

    JsonValue value(int depth) {
        if (depth > 256) fail("nesting too deep");
        ws();
        if (i_ >= s_.size()) fail("unexpected end of input");
        const char c = s_[i_];
        if (c == '{') return object(depth);
        if (c == '[') return array(depth);
        if (c == '"') return JsonValue(string());
        if (literal("true")) return JsonValue(true);
        if (literal("false")) return JsonValue(false);
        if (literal("null")) return JsonValue();
        if (c == '-' || (c >= '0' && c <= '9')) return JsonValue(number());
        fail(std::string("unexpected character '") + c + "'");
    }

    JsonValue object(int depth) {
        ++i_;
        JsonValue::Object o;
        ws();
        if (i_ < s_.size() && s_[i_] == '}') {
            ++i_;
            return JsonValue(std::move(o));
        }
        for (;;) {
            ws();
            if (i_ >= s_.size() || s_[i_] != '"') fail("expected a quoted member name");
            std::string key = string();
            ws();
            if (i_ >= s_.size() || s_[i_] != ':') fail("expected ':' after member name");
            ++i_;
            o[key] = value(depth + 1);
            ws();
            if (i_ < s_.size() && s_[i_] == ',') {
                ++i_;
                continue;
            }
            if (i_ < s_.size() && s_[i_] == '}') {
                ++i_;
                return JsonValue(std::move(o));
            }
            fail("expected ',' or '}' in object");
        }
    }

    JsonValue array(int depth) {
        ++i_;
        JsonValue::Array a;
        ws();
        if (i_ < s_.size() && s_[i_] == ']') {
            ++i_;
            return JsonValue(std::move(a));
        }
        for (;;) {
            a.push_back(value(depth + 1));
            ws();
            if (i_ < s_.size() && s_[i_] == ',') {
                ++i_;
                continue;
            }
            if (i_ < s_.size() && s_[i_] == ']') {
                ++i_;
                return JsonValue(std::move(a));
            }
            fail("expected ',' or ']' in array");
        }
    }

    unsigned hex4() {
        if (i_ + 4 > s_.size()) fail("truncated \\u escape");
        unsigned v = 0;
        const auto [p, ec] = std::from_chars(s_.data() + i_, s_.data() + i_ + 4, v, 16);
        if (ec != std::errc() || p != s_.data() + i_ + 4) fail("bad \\u escape");
        i_ += 4;
        return v;
    }

    std::string string() {
        ++i_;  // opening quote
        std::string out;
        while (i_ < s_.size()) {
            const char c = s_[i_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) break;
            const char e = s_[i_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    unsigned cp = hex4();
                    if (cp >= 0xD800 && cp <= 0xDBFF && s_.compare(i_, 2, "\\u") == 0) {
                        i_ += 2;
                        const unsigned lo = hex4();
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    }
                    appendUtf8(out, cp);
                    break;
                }
                default: fail(std::string("unknown escape '\\") + e + "'");
            }
        }
        fail("unterminated string");
    }

    double number() {
        const std::size_t start = i_;
        if (s_[i_] == '-') ++i_;
        while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' || s_[i_] == 'e' ||
                                  s_[i_] == 'E' || s_[i_] == '+' || s_[i_] == '-'))
            ++i_;
        double v = 0;
        const auto [p, ec] = std::from_chars(s_.data() + start, s_.data() + i_, v);
        if (ec != std::errc() || p != s_.data() + i_) {
            i_ = start;
            fail("malformed number");
        }
        return v;
    }

    const std::string& s_;
    const std::string& origin_;
    std::size_t i_ = 0;
};

}  // namespace

JsonValue parseJson(const std::string& text, const std::string& origin) { return Parser(text, origin).parseDocument(); }

JsonValue readJsonFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw JsonError(path + ": cannot open the file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parseJson(ss.str(), path);
}

}  // namespace hescape
