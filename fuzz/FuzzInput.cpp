// Scratch files and folder archives for the fuzz targets (FuzzInput.h).
#include "fuzz/FuzzInput.h"

#include <fstream>
#include <string_view>
#include <unistd.h>

namespace hescape::fuzz {
namespace {

namespace fs = std::filesystem;

fs::path processFolder() {
    static const fs::path folder = fs::temp_directory_path() / ("hescape-fuzz-" + std::to_string(::getpid()));
    return folder;
}

bool isSafeName(std::string_view name) {
    if (name.empty() || name.size() > 200 || name.front() == '/') return false;
    std::size_t partStart = 0;
    for (std::size_t i = 0; i <= name.size(); ++i) {
        if (i == name.size() || name[i] == '/') {
            const std::string_view part = name.substr(partStart, i - partStart);
            if (part.empty() || part == "." || part == "..") return false;
            partStart = i + 1;
            continue;
        }
        const char c = name[i];
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                           c == '_' || c == '-';
        if (!plain) return false;
    }
    return true;
}

}  // namespace

ScratchFolder::ScratchFolder() : path_(processFolder()) {
    fs::remove_all(path_);
    fs::create_directories(path_);
}

ScratchFolder::~ScratchFolder() {
    std::error_code ignored;  // a destructor must not throw; the next input empties it anyway
    fs::remove_all(path_, ignored);
}

std::string ScratchFolder::write(const std::string& relative, Bytes bytes) const {
    const fs::path file = path_ / relative;
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return file.string();
}

std::vector<ArchiveEntry> parseFolderArchive(Bytes input) {
    const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
    constexpr std::string_view marker = "@@ ";
    std::vector<ArchiveEntry> entries;
    if (!text.starts_with(marker)) return entries;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t nameEnd = text.find('\n', pos);
        if (nameEnd == std::string_view::npos) break;
        const std::string_view name = text.substr(pos + marker.size(), nameEnd - pos - marker.size());
        if (!isSafeName(name)) return {};
        const std::size_t next = text.find("\n@@ ", nameEnd);
        const std::size_t end = next == std::string_view::npos ? text.size() : next;
        entries.push_back({std::string(name), input.subspan(nameEnd + 1, end - nameEnd - 1)});
        pos = next == std::string_view::npos ? text.size() : next + 1;
    }
    return entries;
}

bool unpackFolderArchive(Bytes input, const ScratchFolder& folder) {
    const std::vector<ArchiveEntry> entries = parseFolderArchive(input);
    try {
        for (const ArchiveEntry& e : entries) folder.write(e.name, e.bytes);
    } catch (const fs::filesystem_error&) {
        return false;  // "a" and "a/b" in one archive: the second cannot be made
    }
    return !entries.empty();
}

}  // namespace hescape::fuzz
