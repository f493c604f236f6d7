#!/usr/bin/python3
"""A deliberately small, independent Parquet reader: the test reference for
files that have no CSV twin (Space Ranger's Visium HD tissue_positions.parquet).

Debian 12 packages no Parquet reader for Python (no pyarrow, fastparquet,
polars or duckdb), so this is written from the specification
(apache/parquet-format parquet.thrift and Encodings.md, and Thrift's
thrift-compact-protocol.md) in another language than core/io/ParquetFile and
shares no code with it. It reads exactly what Arrow's writer puts into the real
test files -- v1 data pages, a PLAIN dictionary page followed by RLE_DICTIONARY
or PLAIN data pages, flat REQUIRED/OPTIONAL columns, UNCOMPRESSED, SNAPPY (the
python3-snappy module), GZIP or ZSTD (python3-zstandard) -- and raises on
anything else rather than guessing.

Usage: parquet_reference.py FILE COLUMN...
Prints one JSON object {"rows": n, "columns": {name: [values]}}: every value
as a string (integers in decimal, floating point as float.hex() so that it
reads back bit for bit), null as null.
"""
import json
import struct
import sys
import zlib


class Compact:
    """Thrift compact protocol, decoded into {field id: value} dictionaries."""

    def __init__(self, data, pos=0):
        self.data = data
        self.pos = pos

    def byte(self):
        value = self.data[self.pos]
        self.pos += 1
        return value

    def uvarint(self):
        result, shift = 0, 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return result

    def zigzag(self):
        n = self.uvarint()
        return (n >> 1) ^ -(n & 1)

    def value(self, kind):
        if kind in (1, 2):  # a bool field carries its value in the type nibble
            return kind == 1
        if kind == 3:
            return struct.unpack("<b", bytes([self.byte()]))[0]
        if kind in (4, 5, 6):
            return self.zigzag()
        if kind == 7:
            self.pos += 8
            return struct.unpack("<d", self.data[self.pos - 8:self.pos])[0]
        if kind == 8:
            n = self.uvarint()
            self.pos += n
            return bytes(self.data[self.pos - n:self.pos])
        if kind in (9, 10):
            header = self.byte()
            size, elem = header >> 4, header & 0x0F
            if size == 15:
                size = self.uvarint()
            if elem in (1, 2):  # bool elements: one byte each
                return [self.byte() == 1 for _ in range(size)]
            return [self.value(elem) for _ in range(size)]
        if kind == 12:
            return self.struct()
        raise ValueError("thrift type %d is not expected in a Parquet footer" % kind)

    def struct(self):
        fields, last = {}, 0
        while True:
            header = self.byte()
            if header == 0:
                return fields
            delta, kind = header >> 4, header & 0x0F
            last = last + delta if delta else self.zigzag()
            fields[last] = self.value(kind)


def decompress(codec, data, size):
    if codec == 0:
        out = data
    elif codec == 1:
        import snappy
        out = snappy.uncompress(data)
    elif codec == 2:
        out = zlib.decompress(data, 15 + 32)
    elif codec == 6:
        import zstandard
        out = zstandard.ZstdDecompressor().decompress(data, max_output_size=size)
    else:
        raise ValueError("codec %d is not handled by the reference" % codec)
    if len(out) != size:
        raise ValueError("page decompresses to %d bytes, header says %d" % (len(out), size))
    return bytes(out)


def hybrid(data, pos, width, count):
    """RLE / bit-packed hybrid (Encodings.md), `count` values from data[pos:]."""
    values = []
    while len(values) < count:
        header = Compact(data, pos)
        run = header.uvarint()
        pos = header.pos
        if run & 1:  # bit-packed: (run >> 1) groups of 8 values, LSB first
            n = (run >> 1) * 8
            nbytes = (run >> 1) * width
            bits = int.from_bytes(data[pos:pos + nbytes], "little")
            values.extend((bits >> (i * width)) & ((1 << width) - 1) for i in range(n))
            pos += nbytes
        else:  # repeated: the value in ceil(width / 8) little-endian bytes
            nbytes = (width + 7) // 8
            value = int.from_bytes(data[pos:pos + nbytes], "little")
            values.extend([value] * (run >> 1))
            pos += nbytes
    return values[:count]


def plain(kind, data, count):
    if kind == 1:
        return list(struct.unpack("<%di" % count, data[:4 * count]))
    if kind == 2:
        return list(struct.unpack("<%dq" % count, data[:8 * count]))
    if kind == 4:
        return list(struct.unpack("<%df" % count, data[:4 * count]))
    if kind == 5:
        return list(struct.unpack("<%dd" % count, data[:8 * count]))
    if kind == 6:
        out, pos = [], 0
        for _ in range(count):
            n = struct.unpack("<I", data[pos:pos + 4])[0]
            out.append(data[pos + 4:pos + 4 + n].decode("utf-8"))
            pos += 4 + n
        return out
    raise ValueError("physical type %d is not handled by the reference" % kind)


def read_chunk(blob, meta, kind, optional):
    start = meta.get(11) or meta[9]
    end, pos = start + meta[7], start
    dictionary, out = None, []
    while len(out) < meta[5]:
        if pos >= end:
            raise ValueError("column chunk ends before its values")
        reader = Compact(blob, pos)
        page = reader.struct()
        body = blob[reader.pos:reader.pos + page[3]]
        pos = reader.pos + page[3]
        data = decompress(meta[4], body, page[2])
        if page[1] == 2:
            dictionary = plain(kind, data, page[7][1])
            continue
        if page[1] != 0:
            raise ValueError("only v1 data pages and dictionary pages are handled")
        header = page[5]
        count, at = header[1], 0
        defined = [1] * count
        if optional:
            length = struct.unpack("<I", data[:4])[0]
            defined = hybrid(data, 4, 1, count)
            at = 4 + length
        present = sum(defined)
        if header[2] in (2, 8):
            width = data[at]
            values = [dictionary[i] for i in hybrid(data, at + 1, width, present)]
        elif header[2] == 0:
            values = plain(kind, data[at:], present)
        else:
            raise ValueError("encoding %d is not handled by the reference" % header[2])
        it = iter(values)
        out.extend(next(it) if d else None for d in defined)
    return out


def main():
    path, wanted = sys.argv[1], sys.argv[2:]
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:4] != b"PAR1" or blob[-4:] != b"PAR1":
        raise ValueError("not a Parquet file")
    length = struct.unpack("<I", blob[-8:-4])[0]
    footer = Compact(blob[-8 - length:-8]).struct()
    leaves = footer[2][1:]
    if footer[2][0].get(5) != len(leaves) or any(5 in leaf for leaf in leaves):
        raise ValueError("only flat schemas are handled")
    names = [leaf[4].decode() for leaf in leaves]
    columns = {name: [] for name in wanted}
    for group in footer[4]:
        for name in wanted:
            index = names.index(name)
            leaf = leaves[index]
            chunk = group[1][index][3]
            columns[name].extend(read_chunk(blob, chunk, leaf[1], leaf.get(3) == 1))
    def text(value):
        if value is None:
            return None
        return value.hex() if isinstance(value, float) else str(value)

    columns = {name: [text(v) for v in values] for name, values in columns.items()}
    print(json.dumps({"rows": footer[3], "columns": columns}, ensure_ascii=False))


if __name__ == "__main__":
    main()
