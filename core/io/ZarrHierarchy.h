// The nodes of a Zarr hierarchy on disk (a folder per group or array): which
// folders are groups or arrays, their attributes and their children, for Zarr
// v2 (.zgroup / .zarray with .zattrs) and v3 (zarr.json with "attributes").
// Readers of whole stores (SpatialData, AnnData as Zarr) walk a store through
// these; the arrays themselves are read by ZarrArray and ZarrStringArray.
#pragma once

#include "core/io/Json.h"

#include <string>
#include <vector>

namespace hescape {

enum class ZarrNodeKind { None, Group, Array };

// What `dir` holds; None for a folder (or file) that is not a Zarr node.
// Throws ZarrError when a zarr.json is not JSON or names no node_type.
ZarrNodeKind zarrNodeKind(const std::string& dir);

// The file holding the node's metadata (zarr.json, .zarray or .zgroup), for messages.
std::string zarrMetadataFile(const std::string& dir);

// The file holding the node's attributes (zarr.json, or .zattrs for v2), for messages.
std::string zarrAttributesFile(const std::string& dir);

// The node's attributes (v2 .zattrs, v3 zarr.json "attributes"); an empty
// object when it has none. Throws ZarrError naming the file when it is not JSON.
JsonValue zarrAttributes(const std::string& dir);

// The names of the groups and arrays directly inside `dir`, sorted; entries
// whose names start with '.' and folders that are not Zarr nodes are left out.
std::vector<std::string> zarrChildren(const std::string& dir);

}  // namespace hescape
