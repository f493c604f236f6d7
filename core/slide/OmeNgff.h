// The OME-NGFF image metadata of an OME-Zarr group (versions 0.4 with Zarr v2
// and 0.5 with Zarr v3; 0.1-0.3 where the layout allows): axes with types and
// units, the multiscale levels with their coordinateTransformations (scale,
// translation; the multiscale's own transforms composed in), and the omero
// channel block (labels, colours, windows). A bioformats2raw root opens its
// series 0. Refusals are SlideErrors naming the file and field.
#pragma once

#include "core/slide/ChannelDisplay.h"

#include <optional>
#include <string>
#include <vector>

namespace hescape {

struct NgffAxis {
    std::string name;  // "t", "c", "z", "y", "x", ...
    std::string type;  // "time", "channel", "space", or empty
    std::string unit;
};

struct NgffLevel {
    std::string path;                // the array, relative to the image group
    std::vector<double> scale;       // one per axis, composed with the multiscale's transforms
    std::vector<double> translation; // one per axis (zeros when absent)
};

struct NgffChannel {
    std::string label;
    std::optional<Rgb8> colour;
    std::optional<double> windowStart, windowEnd;
    bool active = true;
};

struct NgffImage {
    std::string group;    // the folder holding the image (series 0 of a bioformats2raw root)
    std::string version;  // "0.4", "0.5", ...
    std::string name;
    std::vector<NgffAxis> axes;
    std::vector<NgffLevel> levels;      // as listed: finest first
    std::vector<NgffChannel> channels;  // from omero; may be empty

    // Index of the axis named `name`, or -1.
    int axis(const std::string& name) const;
};

// True for a folder with OME-NGFF multiscales metadata (or a bioformats2raw
// root whose series 0 has it). Cheap: reads the group's attributes only.
bool isOmeZarrImage(const std::string& dir);

NgffImage readNgffImage(const std::string& dir);

}  // namespace hescape
