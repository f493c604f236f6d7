// What a fuzz target's input becomes on disk. The readers take paths (HDF5 and
// libtiff open files by name; the folder readers look for files by name), so
// each input is written into a scratch folder of this process's own
// (/tmp/hescape-fuzz-PID), removed again after every input.
//
// Folder readers get a "folder archive": the input is a sequence of entries,
// each a line "@@ relative/path" followed by that file's bytes up to the next
// "\n@@ " line. Plain text, so libFuzzer's mutations reach both the names and
// the contents; fuzz/pack_folder.py writes one from a real folder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace hescape::fuzz {

using Bytes = std::span<const std::uint8_t>;

// A fresh, empty scratch folder for one input; removed with everything in it
// when this goes out of scope, so no input sees the files of the one before.
class ScratchFolder {
public:
    ScratchFolder();
    ~ScratchFolder();
    ScratchFolder(const ScratchFolder&) = delete;
    ScratchFolder& operator=(const ScratchFolder&) = delete;

    const std::filesystem::path& path() const { return path_; }
    // Writes `bytes` to `relative` (folders created as needed); returns its path.
    std::string write(const std::string& relative, Bytes bytes) const;

private:
    std::filesystem::path path_;
};

struct ArchiveEntry {
    std::string name;
    Bytes bytes;
};

// The entries of a folder archive. Names that could leave the folder (absolute,
// "..", empty parts) or that are not plain [A-Za-z0-9._/-] make the whole
// input unusable: the result is empty and the target skips it.
std::vector<ArchiveEntry> parseFolderArchive(Bytes input);

// Unpacks a folder archive into `folder`; false when it has no usable entry.
bool unpackFolderArchive(Bytes input, const ScratchFolder& folder);

}  // namespace hescape::fuzz
