// Delimited text tables (CSV/TSV), plain or gzip-compressed (detected by
// content), parsed without locale so numbers read the same everywhere.
// Quoted fields ("a,b") are handled; embedded newlines are not.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hescape {

class TextTableError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct TextTable {
    std::string path;
    std::vector<std::string> header;  // empty when read without a header
    std::vector<std::vector<std::string>> rows;

    // Column index by header name; nullopt when absent.
    std::optional<std::size_t> column(const std::string& name) const;
    // Field (row, col) as a number; throws TextTableError naming file, line and column.
    double number(std::size_t row, std::size_t col) const;
};

// delimiter 0 = guess from the first line (tab if it has one, else comma).
TextTable readTextTable(const std::string& path, bool hasHeader, char delimiter = 0);

// Splits one line; exposed for tests.
std::vector<std::string> splitDelimited(const std::string& line, char delimiter);
std::optional<double> parseNumber(const std::string& text);

}  // namespace hescape
