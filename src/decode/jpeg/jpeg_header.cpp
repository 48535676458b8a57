#include "decode/jpeg/jpeg_header.h"

#include <cstring>
#include <string>

namespace parcrop {
namespace {

uint32_t read_u16(const uint8_t* p) { return (uint32_t{p[0]} << 8) | p[1]; }

Status corrupt(const std::string& what) { return Status(PARCROP_E_CORRUPT, "jpeg: " + what); }
Status unsupported(const std::string& what) { return Status(PARCROP_E_UNSUPPORTED, "jpeg: " + what); }

Status truncated(const char* where, uint64_t needed, uint64_t* out_needed) {
    if (out_needed != nullptr) *out_needed = needed;
    return Status(PARCROP_E_TRUNCATED, std::string("jpeg: data ends ") + where);
}

bool is_frame_marker(uint8_t marker) {
    // C4 (DHT), C8 (JPG) and CC (DAC) share the range but are tables.
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

std::string hex(uint8_t marker) {
    static const char kDigits[] = "0123456789ABCDEF";
    return std::string("0xFF") + kDigits[marker >> 4] + kDigits[marker & 15];
}

// `length` is the segment's, its two length bytes included, as the standard counts it.
Status read_frame(const uint8_t* body, uint32_t length, uint8_t marker, JpegHeader* header, JpegScanSetup* setup) {
    if (length < 8) return corrupt("frame header of " + std::to_string(length) + " bytes");
    const uint32_t components = body[5];
    if (length != 8 + 3 * components) return corrupt("frame header length does not match its components");
    header->frame_marker = marker;
    header->precision = body[0];
    header->height = read_u16(body + 1);
    header->width = read_u16(body + 3);
    header->components = components;
    const uint32_t process = marker & 3u;  // 0 baseline, 1 extended sequential, 2 progressive, 3 lossless
    header->progressive = process == 2;
    header->arithmetic = marker >= 0xC9;
    if (process == 3) return unsupported("lossless frame " + hex(marker));
    if ((marker & 4u) != 0) return unsupported("hierarchical frame " + hex(marker));
    if (header->precision != 8) return unsupported(std::to_string(header->precision) + "-bit samples");
    if (components == 0) return corrupt("frame without components");
    if (components == 2 || components > 4) return unsupported(std::to_string(components) + " components");
    if (header->width == 0) return corrupt("zero width");
    if (header->height == 0) return unsupported("height defined by a DNL marker");
    if (setup != nullptr) {
        for (uint32_t c = 0; c < components; ++c) {
            const uint8_t* spec = body + 6 + 3 * c;
            JpegFrameComponent& component = setup->components[c];
            component.id = spec[0];
            component.h = static_cast<uint8_t>(spec[1] >> 4);
            component.v = static_cast<uint8_t>(spec[1] & 15);
            // libjpeg's limit (jdinput.c initial_setup); 0 would divide by zero downstream.
            if (component.h < 1 || component.h > 4 || component.v < 1 || component.v > 4) {
                return corrupt("sampling factors out of 1..4");
            }
        }
    }
    return Status::ok();
}

// One DHT segment may hold several tables; libjpeg's checks (jdmarker.c get_dht and
// jdhuff.c jpeg_make_d_derived_tbl), so that a table accepted here is one libjpeg takes.
Status read_huffman_tables(const uint8_t* body, uint32_t length, JpegScanSetup* setup) {
    uint32_t at = 0;
    while (at < length) {
        if (length - at < 17) return corrupt("DHT segment ends inside a table");
        const uint8_t index = body[at];
        const uint32_t table_class = index >> 4, slot = index & 15u;
        if (table_class > 1 || slot > 3) return corrupt("DHT table index " + std::to_string(index));
        JpegHuffmanTable& table = table_class == 0 ? setup->dc[slot] : setup->ac[slot];
        table = JpegHuffmanTable{};
        uint32_t count = 0;
        for (int l = 1; l <= 16; ++l) {
            table.counts[l] = body[at + static_cast<uint32_t>(l)];
            count += table.counts[l];
        }
        at += 17;
        if (count > 256 || count > length - at) return corrupt("DHT table with too many symbols");
        uint32_t code = 0;
        for (int l = 1; l <= 16; ++l) {
            code += table.counts[l];
            if (code > (1u << l)) return corrupt("DHT codes overflow their length");
            code <<= 1;
        }
        std::memcpy(table.symbols, body + at, count);
        at += count;
        table.defined = true;
    }
    return Status::ok();
}

Status read_scan_header(const uint8_t* body, uint32_t length, const JpegHeader& header, JpegScanSetup* setup) {
    if (length < 3) return corrupt("SOS segment too short");
    const uint32_t ns = body[0];
    if (ns < 1 || ns > 4 || length != 6 + 2 * ns) return corrupt("SOS length does not match its components");
    setup->scan_components = ns;
    for (uint32_t i = 0; i < ns; ++i) {
        const uint8_t id = body[1 + 2 * i], tables = body[2 + 2 * i];
        uint32_t found = header.components;
        for (uint32_t c = 0; c < header.components; ++c) {
            if (setup->components[c].id == id) found = c;
        }
        if (found == header.components) return corrupt("SOS names a component the frame lacks");
        for (uint32_t j = 0; j < i; ++j) {
            if (setup->scan[j].frame_index == found) return corrupt("SOS names a component twice");
        }
        setup->scan[i].frame_index = static_cast<uint8_t>(found);
        setup->scan[i].dc_table = static_cast<uint8_t>(tables >> 4);
        setup->scan[i].ac_table = static_cast<uint8_t>(tables & 15);
    }
    setup->ss = body[1 + 2 * ns];
    setup->se = body[2 + 2 * ns];
    setup->ah = body[3 + 2 * ns] >> 4;
    setup->al = body[3 + 2 * ns] & 15u;
    return Status::ok();
}

}  // namespace

static Status walk_markers(ByteSpan data, JpegHeader* header, uint64_t* needed, JpegScanSetup* setup) {
    *header = JpegHeader{};
    if (setup != nullptr) *setup = JpegScanSetup{};
    if (needed != nullptr) *needed = 0;
    const uint8_t* bytes = data.data;
    const size_t size = data.size;
    if (size < 2) return truncated("inside the SOI marker", 2, needed);
    if (bytes[0] != 0xFF || bytes[1] != 0xD8) return corrupt("no SOI marker");
    bool have_frame = false;
    bool have_exif = false;
    // Every turn consumes at least two bytes, so the walk ends within size / 2 turns.
    size_t position = 2;
    for (;;) {
        // libjpeg skips bytes other than 0xFF before a marker (with a warning), and fill
        // bytes of 0xFF before the marker code; 0xFF 0x00 is such garbage too.
        if (position >= size) return truncated("before a marker", position + 2, needed);
        if (bytes[position] != 0xFF) {
            const void* next = std::memchr(bytes + position, 0xFF, size - position);
            if (next == nullptr) return truncated("inside bytes between markers", 0, needed);
            position = static_cast<size_t>(static_cast<const uint8_t*>(next) - bytes);
        }
        while (position < size && bytes[position] == 0xFF) ++position;
        if (position >= size) return truncated("inside a marker", position + 1, needed);
        const uint8_t marker = bytes[position++];
        if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no segment
        if (marker == 0xD8) return corrupt("second SOI marker");
        if (marker == 0xD9) return corrupt("EOI before the first scan");
        if (size - position < 2) return truncated("inside a marker's length", uint64_t{position} + 2, needed);
        const uint32_t length = read_u16(bytes + position);
        if (length < 2) return corrupt("marker " + hex(marker) + " with length " + std::to_string(length));
        const uint64_t segment_end = uint64_t{position} + length;
        const uint8_t* body = bytes + position + 2;
        const uint32_t body_length = length - 2;
        static const uint8_t kExif[6] = {'E', 'x', 'i', 'f', 0, 0};
        bool exif = false;
        if (marker == 0xE1 && !have_exif && body_length >= sizeof kExif) {
            // Other APP1 segments (XMP) can be long: only their signature is needed.
            const uint64_t signature_end = uint64_t{position} + 2 + sizeof kExif;
            if (signature_end > size) return truncated("inside an APP1 signature", signature_end, needed);
            exif = std::memcmp(body, kExif, sizeof kExif) == 0;
        }
        const bool wanted = is_frame_marker(marker) || marker == 0xDD || exif ||
                            (setup != nullptr && (marker == 0xC4 || marker == 0xDA));
        if (wanted && segment_end > size) return truncated("inside a marker segment", segment_end, needed);
        if (is_frame_marker(marker)) {
            if (have_frame) return corrupt("second frame header");
            PARCROP_RETURN_IF_ERROR(read_frame(body, length, marker, header, setup));
            if (setup != nullptr) setup->sof_offset = position - 2;
            have_frame = true;
        } else if (marker == 0xC4 && setup != nullptr) {
            PARCROP_RETURN_IF_ERROR(read_huffman_tables(body, body_length, setup));
        } else if (marker == 0xDD) {
            if (body_length != 2) return corrupt("DRI of " + std::to_string(length) + " bytes");
            header->restart_interval = read_u16(body);
        } else if (exif) {
            header->exif = ByteSpan{body + sizeof kExif, body_length - sizeof kExif};
            have_exif = true;
        } else if (marker == 0xDA) {
            if (!have_frame) return corrupt("scan before the frame header");
            if (setup != nullptr) {
                PARCROP_RETURN_IF_ERROR(read_scan_header(body, length, *header, setup));
                setup->sos_offset = position - 2;
                setup->scan_data_offset = static_cast<size_t>(segment_end);
            }
            return Status::ok();
        }
        position = static_cast<size_t>(segment_end);  // may pass size: the next turn says so
    }
}

Status read_jpeg_header(ByteSpan data, JpegHeader* header, uint64_t* needed) {
    return walk_markers(data, header, needed, nullptr);
}

Status read_jpeg_scan_setup(ByteSpan data, JpegHeader* header, JpegScanSetup* setup) {
    return walk_markers(data, header, nullptr, setup);
}

}  // namespace parcrop
