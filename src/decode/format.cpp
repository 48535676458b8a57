// Recognises the format from the first bytes, never from the file name: web-scraped
// data is full of PNGs called .jpg and HTML pages called anything.
#include <cstring>

#include "decode/bmp/bmp_decoder.h"
#include "decode/decoder.h"
#include "decode/gif/gif_decoder.h"
#include "decode/hdr/hdr_decoder.h"
#include "decode/jpeg/jpeg_decoder.h"
#include "decode/png/png_decoder.h"
#include "decode/stb/stb_decoder.h"
#include "decode/tga/tga_decoder.h"
#include "decode/tiff/tiff_decoder.h"
#include "decode/webp/webp_decoder.h"

namespace parcrop {
namespace {

bool starts_with(ByteSpan data, const char* magic, size_t length) {
    return data.size >= length && std::memcmp(data.data, magic, length) == 0;
}

// The formats stb still reads, by their magic bytes; none of them can pass for a TGA
// header, but a format with a signature is never taken for one that has none.
bool has_stb_magic(ByteSpan data) {
    return starts_with(data, "GIF8", 4) || starts_with(data, "8BPS", 4) || starts_with(data, "P5", 2) ||
           starts_with(data, "P6", 2);
}

}  // namespace

FileFormat sniff_format(ByteSpan data) {
    if (starts_with(data, "\xFF\xD8\xFF", 3)) return FileFormat::jpeg;
    if (starts_with(data, "\x89PNG\r\n\x1A\n", 8)) return FileFormat::png;
    if (starts_with(data, "BM", 2)) return FileFormat::bmp;
    if (starts_with(data, "GIF87a", 6) || starts_with(data, "GIF89a", 6)) return FileFormat::gif;
    if (hdr_recognizes(data)) return FileFormat::hdr;
    if (webp_recognizes(data)) return FileFormat::webp;
    if (tiff_recognizes(data)) return FileFormat::tiff;
    // TGA has no magic: the last guess before stb's formats.
    if (!has_stb_magic(data) && tga_recognizes(data)) return FileFormat::tga;
    if (stb_recognizes(data)) return starts_with(data, "8BPS", 4) ? FileFormat::psd : FileFormat::pnm;
    return FileFormat::unknown;
}

Status make_decoder(ByteSpan data, const Limits& limits, std::unique_ptr<Decoder>* out) {
    if (data.size == 0) return Status(PARCROP_E_EMPTY_INPUT, "input is empty");
    switch (sniff_format(data)) {
        case FileFormat::jpeg: *out = make_jpeg_decoder(data, limits); break;
        case FileFormat::png: *out = make_png_decoder(data, limits); break;
        case FileFormat::bmp: *out = make_bmp_decoder(data, limits); break;
        case FileFormat::gif: *out = make_gif_decoder(data, limits); break;
        case FileFormat::hdr: *out = make_hdr_decoder(data, limits); break;
        case FileFormat::tga: *out = make_tga_decoder(data, limits); break;
        case FileFormat::webp: *out = make_webp_decoder(data, limits); break;
        case FileFormat::tiff: *out = make_tiff_decoder(data, limits); break;
        case FileFormat::psd:
        case FileFormat::pnm: *out = make_stb_decoder(data, limits); break;
        case FileFormat::unknown:
            return Status(PARCROP_E_UNKNOWN_FORMAT, "unknown format: the first bytes match no supported image format");
    }
    if (!*out) return Status(PARCROP_E_OUT_OF_MEMORY, "no memory for a decoder");
    return Status::ok();
}

}  // namespace parcrop
