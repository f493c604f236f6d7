// Fuzz target: Parquet files (core/io/ParquetFile): the footer, then every
// column, both as the reader's callers read them (doubles, strings).
#include "core/io/ParquetFile.h"
#include "fuzz/FuzzTarget.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const hescape::fuzz::ScratchFolder folder;
    const std::string path = folder.write("input.parquet", {data, size});
    hescape::fuzz::expectReadOrError([&] {
        const hescape::ParquetFile file = hescape::ParquetFile::open(path);
        for (const hescape::ParquetColumnInfo& column : file.columns()) {
            if (!column.readable) continue;
            hescape::fuzz::expectReadOrError([&] { (void)file.readColumn(column.name); });
            if (column.physicalType == hescape::ParquetType::ByteArray)
                hescape::fuzz::expectReadOrError([&] { (void)file.readStrings(column.name); });
            else
                hescape::fuzz::expectReadOrError([&] { (void)file.readDoubles(column.name); });
        }
    });
    return 0;
}
