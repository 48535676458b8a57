#include "decode/jpeg/jpeg_restart.h"

#include <algorithm>
#include <cstring>

namespace parcrop {
namespace {

uint32_t read_u16(const uint8_t* p) { return (uint32_t{p[0]} << 8) | p[1]; }

void write_u16(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

struct Component {
    uint32_t id, h, v;
};

// Walks the entropy-coded data from `offset`: records where every interval begins
// and ends, checks that RSTn follow RST0, RST1, ... in order, and stops at the
// marker that ends the scan. Returns false unless that marker is EOI.
bool scan_restart_markers(ByteSpan jpeg, size_t offset, std::vector<size_t>* begins, std::vector<size_t>* ends) {
    const uint8_t* data = jpeg.data;
    const size_t size = jpeg.size;
    uint32_t expected = 0;
    begins->push_back(offset);
    while (offset + 1 < size) {
        const void* hit = std::memchr(data + offset, 0xFF, size - offset - 1);
        if (hit == nullptr) return false;
        size_t at = static_cast<size_t>(static_cast<const uint8_t*>(hit) - data);
        size_t next = at + 1;
        while (next < size && data[next] == 0xFF) ++next;  // fill bytes
        if (next >= size) return false;
        const uint8_t marker = data[next];
        if (marker == 0x00) {  // a stuffed 0xFF data byte
            offset = next + 1;
            continue;
        }
        ends->push_back(at);
        if (marker >= 0xD0 && marker <= 0xD7) {
            if (static_cast<uint32_t>(marker - 0xD0) != expected) return false;
            expected = (expected + 1) % 8;
            offset = next + 1;
            begins->push_back(offset);
            continue;
        }
        return marker == 0xD9;  // anything but EOI: another scan, DNL, damage
    }
    return false;
}

}  // namespace

bool index_restart_markers(ByteSpan jpeg, RestartIndex* index) {
    const uint8_t* data = jpeg.data;
    const size_t size = jpeg.size;
    if (size < 4 || data[0] != 0xFF || data[1] != 0xD8) return false;
    size_t offset = 2;
    std::vector<Component> components;
    bool have_frame = false;
    uint32_t interval = 0;
    while (true) {
        while (offset < size && data[offset] == 0xFF && offset + 1 < size && data[offset + 1] == 0xFF) ++offset;
        if (offset + 4 > size || data[offset] != 0xFF) return false;
        const uint8_t marker = data[offset + 1];
        const uint32_t length = read_u16(data + offset + 2);
        if (length < 2 || offset + 2 + length > size) return false;
        const uint8_t* body = data + offset + 4;
        if (marker == 0xC0 || marker == 0xC1) {  // baseline or extended sequential, Huffman
            if (have_frame || length < 8 || body[0] != 8) return false;
            const uint32_t nf = body[5];
            if (nf == 0 || length != 8 + 3 * nf) return false;
            index->height = read_u16(body + 1);
            index->width = read_u16(body + 3);
            for (uint32_t c = 0; c < nf; ++c) {
                const uint8_t hv = body[6 + 3 * c + 1];
                components.push_back({body[6 + 3 * c], uint32_t{hv} >> 4, uint32_t{hv} & 15u});
                if (components.back().h == 0 || components.back().v == 0) return false;
            }
            index->sof_offset = offset;
            have_frame = true;
        } else if ((marker >= 0xC2 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) ||
                   marker == 0xD9) {
            return false;  // progressive, lossless, arithmetic, hierarchical: not indexed
        } else if (marker == 0xDD) {  // DRI
            if (length != 4) return false;
            interval = read_u16(body);
        } else if (marker == 0xDA) {  // SOS
            if (!have_frame || interval == 0 || index->width == 0 || index->height == 0) return false;
            const uint32_t ns = body[0];
            // One scan with every component: the interleaved baseline layout.
            if (ns != components.size() || length != 6 + 2 * ns) return false;
            uint32_t max_h = 1, max_v = 1;
            for (const Component& c : components) {
                max_h = std::max(max_h, c.h);
                max_v = std::max(max_v, c.v);
            }
            // A single-component scan is not interleaved: its MCU is one 8x8 block.
            index->mcu_width = components.size() == 1 ? 8 : 8 * max_h;
            index->mcu_height = components.size() == 1 ? 8 : 8 * max_v;
            index->mcus_per_row = ceil_div(index->width, index->mcu_width);
            index->mcu_rows = ceil_div(index->height, index->mcu_height);
            index->interval = interval;
            index->scan_data_offset = offset + 2 + length;
            break;
        }
        offset += 2 + length;
    }
    const bool tiles_rows = index->mcus_per_row % interval == 0 || interval % index->mcus_per_row == 0;
    if (!tiles_rows) return false;
    index->interval_begins.clear();
    index->interval_ends.clear();
    if (!scan_restart_markers(jpeg, index->scan_data_offset, &index->interval_begins, &index->interval_ends)) {
        return false;
    }
    const uint64_t mcus = uint64_t{index->mcus_per_row} * index->mcu_rows;
    return index->interval_ends.size() == (mcus + interval - 1) / interval;
}

void extract_sub_image(ByteSpan jpeg, const RestartIndex& index, uint32_t x0, uint32_t x1, uint32_t y0, uint32_t y1,
                       SubImage* sub) {
    const uint32_t r = index.interval;
    // Intervals per MCU row (columns mode) or MCU rows per interval (rows mode).
    const bool columns_mode = index.mcus_per_row % r == 0;
    const uint32_t rows_per_interval = columns_mode ? 1 : r / index.mcus_per_row;
    const uint32_t intervals_per_row = columns_mode ? index.mcus_per_row / r : 1;
    const uint32_t interval_width = columns_mode ? r : index.mcus_per_row;  // in MCUs

    const uint32_t col0 = x0 / index.mcu_width / interval_width;
    const uint32_t col1 = ceil_div(ceil_div(x1, index.mcu_width), interval_width);
    const uint32_t band0 = y0 / index.mcu_height / rows_per_interval;
    const uint32_t band1 = ceil_div(ceil_div(y1, index.mcu_height), rows_per_interval);

    sub->x0 = col0 * interval_width * index.mcu_width;
    sub->y0 = band0 * rows_per_interval * index.mcu_height;
    sub->width = std::min(index.width, col1 * interval_width * index.mcu_width) - sub->x0;
    sub->height = std::min(index.height, band1 * rows_per_interval * index.mcu_height) - sub->y0;

    // Headers and tables as they are, with the frame's size changed.
    std::vector<uint8_t>& out = sub->jpeg;
    out.assign(jpeg.data, jpeg.data + index.scan_data_offset);
    write_u16(out.data() + index.sof_offset + 5, sub->height);
    write_u16(out.data() + index.sof_offset + 7, sub->width);

    uint32_t written = 0;
    for (uint32_t band = band0; band < band1; ++band) {
        for (uint32_t col = col0; col < col1; ++col) {
            const size_t i = size_t{band} * intervals_per_row + col;
            const size_t begin = index.interval_begins[i];
            const size_t end = index.interval_ends[i];
            if (written > 0) {
                out.push_back(0xFF);
                out.push_back(static_cast<uint8_t>(0xD0 + (written - 1) % 8));
            }
            out.insert(out.end(), jpeg.data + begin, jpeg.data + end);
            ++written;
        }
    }
    out.push_back(0xFF);
    out.push_back(0xD9);
}

PixelBox sub_image_box(const DecodeRequest& request, uint32_t width, uint32_t height, uint32_t mcu_width,
                       uint32_t mcu_height) {
    const uint32_t d = request.scale_denom;
    const uint32_t x0 = std::min(width, request.x0 * d), y0 = std::min(height, request.rows->front() * d);
    const uint32_t x1 = std::min(width, request.x1 * d), y1 = std::min(height, (request.rows->back() + 1) * d);
    PixelBox box;
    box.x0 = x0 > mcu_width ? x0 - mcu_width : 0;
    box.y0 = y0 > mcu_height ? y0 - mcu_height : 0;
    box.x1 = std::min(width, x1 + mcu_width);
    box.y1 = std::min(height, y1 + mcu_height);
    return box;
}

DecodeRequest request_in_sub_image(const DecodeRequest& request, const SubImage& sub, std::vector<uint32_t>* rows) {
    const uint32_t d = request.scale_denom;
    DecodeRequest shifted = request;
    shifted.x0 -= sub.x0 / d;
    shifted.x1 -= sub.x0 / d;
    rows->resize(request.rows->size());
    for (size_t i = 0; i < rows->size(); ++i) (*rows)[i] = (*request.rows)[i] - sub.y0 / d;
    shifted.rows = rows;
    return shifted;
}

}  // namespace parcrop
