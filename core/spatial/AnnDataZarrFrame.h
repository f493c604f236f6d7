// AnnData data frames (obs, var) stored as Zarr groups, as anndata's
// write_zarr lays them out (encoding-type "dataframe": attributes _index and
// column-order, one child per column): the index as text, and the columns as
// ObsColumns -- numeric and bool arrays, string arrays, categoricals
// (codes + categories), nullable integers / booleans / strings (values +
// mask). Shared by the AnnData Zarr reader and the SpatialData store reader.
#pragma once

#include "core/spatial/SpatialDataset.h"

#include <string>
#include <vector>

namespace hescape {

// Where an AnnData Zarr group lies, and how its messages name a node:
// "<group folder>: <path inside the group>: <what is wrong>".
struct AnnDataZarrLocation {
    std::string root;  // the AnnData group's folder

    std::string path(const std::string& rel) const { return root + "/" + rel; }
    [[noreturn]] void fail(const std::string& rel, const std::string& message) const;
    // The node's "encoding-type" attribute; "" when it has none.
    std::string encoding(const std::string& rel) const;
};

// The frame's index (its _index attribute names the array), as text:
// strings as they are, integers in decimal.
std::vector<std::string> readAnnDataZarrIndex(const AnnDataZarrLocation& at, const std::string& frame);

// The frame's columns in column-order (or, when `only` is not empty, those of
// them named there); each must hold `rows` entries, which is checked against
// the array's metadata before anything is read. Throws DatasetError.
std::vector<ObsColumn> readAnnDataZarrColumns(const AnnDataZarrLocation& at, const std::string& frame, std::size_t rows,
                                              const std::vector<std::string>& only = {});

// One array or encoded group as text (strings; integers in decimal; other
// numbers as the shortest text that reads back the same): the index, the
// instance ids of a SpatialData table. `rows` as above.
std::vector<std::string> readAnnDataZarrText(const AnnDataZarrLocation& at, const std::string& rel, std::size_t rows);

}  // namespace hescape
