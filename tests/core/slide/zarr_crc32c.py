"""CRC-32C (Castagnoli), as Zarr v3's crc32c codec and sharding indexes use it,
written from its definition (reflected polynomial 0x82F63B78) and checked
against the standard check value. Shared by the test corpora that lay out
Zarr v3 stores by hand (make_ome_zarr_corpus.py, make_spatialdata_corpus.py):
Debian packages no crc32c module for Python."""


def _table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_CRC = _table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283
