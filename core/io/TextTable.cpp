// TextTable via zlib's gz* API, which reads plain files transparently too.
#include "core/io/TextTable.h"

#include <zlib.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <memory>

namespace hescape {

std::optional<double> parseNumber(const std::string& text) {
    std::size_t b = 0, e = text.size();
    while (b < e && (text[b] == ' ' || text[b] == '"')) ++b;
    while (e > b && (text[e - 1] == ' ' || text[e - 1] == '"' || text[e - 1] == '\r')) --e;
    if (b == e) return std::nullopt;
    if (text[b] == '+') ++b;
    double v = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + b, text.data() + e, v);
    if (ec != std::errc() || ptr != text.data() + e) {
        const std::string t = text.substr(b, e - b);
        if (t == "nan" || t == "NaN" || t == "NA") return std::nan("");
        return std::nullopt;
    }
    return v;
}

std::vector<std::string> splitDelimited(const std::string& line, char delimiter) {
    std::vector<std::string> out;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == delimiter) {
            out.push_back(std::move(field));
            field.clear();
        } else if (c != '\r' && c != '\n') {
            field += c;
        }
    }
    out.push_back(std::move(field));
    return out;
}

std::optional<std::size_t> TextTable::column(const std::string& name) const {
    for (std::size_t i = 0; i < header.size(); ++i)
        if (header[i] == name) return i;
    return std::nullopt;
}

double TextTable::number(std::size_t row, std::size_t col) const {
    const auto& r = rows.at(row);
    const std::string where = path + ": line " + std::to_string(row + (header.empty() ? 1 : 2)) + ", column " +
                              (col < header.size() ? "'" + header[col] + "'" : std::to_string(col + 1));
    if (col >= r.size()) throw TextTableError(where + ": the line has only " + std::to_string(r.size()) + " fields");
    const auto v = parseNumber(r[col]);
    if (!v) throw TextTableError(where + ": '" + r[col] + "' is not a number");
    return *v;
}

TextTable readTextTable(const std::string& path, bool hasHeader, char delimiter) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw TextTableError(path + ": no such file");
    struct Closer {
        void operator()(gzFile f) const { gzclose(f); }
    };
    std::unique_ptr<gzFile_s, Closer> file(gzopen(path.c_str(), "rb"));
    if (!file) throw TextTableError(path + ": cannot open the file");
    gzbuffer(file.get(), 1 << 20);
    TextTable table;
    table.path = path;
    std::string line;
    std::vector<char> buf(1 << 16);
    bool first = true;
    auto handle = [&](std::string& l) {
        if (!l.empty() && l.back() == '\n') l.pop_back();
        if (!l.empty() && l.back() == '\r') l.pop_back();
        if (l.empty()) return;
        if (first && delimiter == 0) delimiter = l.find('\t') != std::string::npos ? '\t' : ',';
        auto fields = splitDelimited(l, delimiter);
        if (first && hasHeader) table.header = std::move(fields);
        else table.rows.push_back(std::move(fields));
        first = false;
    };
    for (;;) {
        const char* got = gzgets(file.get(), buf.data(), static_cast<int>(buf.size()));
        if (!got) break;
        line += got;
        if (!line.empty() && line.back() == '\n') {
            handle(line);
            line.clear();
        }
    }
    int err = Z_OK;
    const char* msg = gzerror(file.get(), &err);
    if (err != Z_OK && err != Z_STREAM_END) throw TextTableError(path + ": cannot read (" + msg + "): truncated or corrupt");
    if (!gzeof(file.get())) throw TextTableError(path + ": reading stopped before the end of the file");
    handle(line);
    return table;
}

}  // namespace hescape
