// An HDF5 identifier closed by its own close function when it goes out of
// scope: the one RAII guard behind Hdf5File and Hdf5Writer (internal to
// core/io; needs <hdf5.h> included first).
#pragma once

namespace hescape {

struct Hdf5Handle {
    hid_t id = H5I_INVALID_HID;
    herr_t (*close)(hid_t) = nullptr;
    Hdf5Handle(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
    ~Hdf5Handle() {
        if (id >= 0 && close) close(id);
    }
    Hdf5Handle(const Hdf5Handle&) = delete;
    Hdf5Handle& operator=(const Hdf5Handle&) = delete;
    bool ok() const { return id >= 0; }
};

}  // namespace hescape
