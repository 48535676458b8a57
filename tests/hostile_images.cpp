#include "hostile_images.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>

#include "jpeg_fixtures.h"

namespace parcrop_test {
namespace {

void put_le16(Bytes* out, uint32_t v) {
    out->push_back(static_cast<uint8_t>(v));
    out->push_back(static_cast<uint8_t>(v >> 8));
}
void put_le32(Bytes* out, uint32_t v) {
    put_le16(out, v & 0xffff);
    put_le16(out, v >> 16);
}
void put_be16(Bytes* out, uint32_t v) {
    out->push_back(static_cast<uint8_t>(v >> 8));
    out->push_back(static_cast<uint8_t>(v));
}
void put_be32(Bytes* out, uint32_t v) {
    put_be16(out, v >> 16);
    put_be16(out, v & 0xffff);
}
void append(Bytes* out, const std::string& text) { out->insert(out->end(), text.begin(), text.end()); }

// File header and BITMAPINFOHEADER of a bottom-up BMP.
Bytes bmp_headers(uint32_t width, uint32_t height, uint32_t bits, uint32_t compression, uint32_t palette_entries,
                  uint32_t data_offset) {
    Bytes out = {'B', 'M'};
    put_le32(&out, 0);  // file size: readers ignore it
    put_le32(&out, 0);
    put_le32(&out, data_offset != 0 ? data_offset : 14 + 40 + 4 * palette_entries);
    put_le32(&out, 40);
    put_le32(&out, width);
    put_le32(&out, height);
    put_le16(&out, 1);
    put_le16(&out, bits);
    put_le32(&out, compression);
    put_le32(&out, 0);
    put_le32(&out, 2835);
    put_le32(&out, 2835);
    put_le32(&out, palette_entries);
    put_le32(&out, 0);
    for (uint32_t i = 0; i < palette_entries; ++i) {
        const uint8_t v = static_cast<uint8_t>(255 - 60 * i);
        out.insert(out.end(), {v, static_cast<uint8_t>(v / 2), static_cast<uint8_t>(255 - v), 0});
    }
    return out;
}

Bytes tga_header(uint32_t width, uint32_t height, uint8_t type) {
    Bytes out = {0, 0, type, 0, 0, 0, 0, 0};
    put_le16(&out, 0);
    put_le16(&out, 0);
    put_le16(&out, width);
    put_le16(&out, height);
    out.push_back(24);
    out.push_back(0);  // bottom-up
    return out;
}

Bytes psd(uint32_t width, uint32_t height, uint16_t compression) {
    Bytes out = {'8', 'B', 'P', 'S'};
    put_be16(&out, 1);
    out.insert(out.end(), 6, 0);
    put_be16(&out, 3);
    put_be32(&out, height);
    put_be32(&out, width);
    put_be16(&out, 8);
    put_be16(&out, 3);  // RGB
    for (int section = 0; section < 3; ++section) put_be32(&out, 0);
    put_be16(&out, compression);
    for (int i = 0; i < 64; ++i) out.push_back(compression == 1 ? 0x81 : 0x40);  // runs of 128
    return out;
}

Bytes hdr_header(uint32_t width, uint32_t height) {
    Bytes out;
    append(&out, "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y " + std::to_string(height) + " +X " +
                     std::to_string(width) + "\n");
    return out;
}

Bytes gif(uint32_t width, uint32_t height, bool interlaced) {
    Bytes out;
    append(&out, "GIF89a");
    put_le16(&out, width);
    put_le16(&out, height);
    out.insert(out.end(), {0x80, 0, 0, 0, 0, 0, 255, 255, 255});  // 2-colour global table
    out.push_back(',');
    put_le16(&out, 0);
    put_le16(&out, 0);
    put_le16(&out, width);
    put_le16(&out, height);
    out.push_back(interlaced ? 0x40 : 0);
    out.push_back(2);  // LZW minimum code size
    out.push_back(4);  // one sub-block: clear, then pixels, then the data stops
    out.insert(out.end(), {0x84, 0x8f, 0xa9, 0xcb});
    out.push_back(0);
    return out;
}

void png_chunk(Bytes* out, const char* type, const Bytes& data) {
    put_be32(out, static_cast<uint32_t>(data.size()));
    const size_t start = out->size();
    out->insert(out->end(), type, type + 4);
    out->insert(out->end(), data.begin(), data.end());
    put_be32(out, static_cast<uint32_t>(crc32(0, out->data() + start, static_cast<uInt>(out->size() - start))));
}

Bytes png(uint32_t width, uint32_t height, bool interlaced) {
    Bytes out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    Bytes ihdr;
    put_be32(&ihdr, width);
    put_be32(&ihdr, height);
    ihdr.insert(ihdr.end(), {8, 6, 0, 0, static_cast<uint8_t>(interlaced ? 1 : 0)});  // RGBA8
    png_chunk(&out, "IHDR", ihdr);
    // The start of the image data: a few thousand zero bytes, deflated.
    const Bytes raw(4096, 0);
    uLongf size = compressBound(static_cast<uLong>(raw.size()));
    Bytes idat(size);
    if (compress(idat.data(), &size, raw.data(), static_cast<uLong>(raw.size())) != Z_OK) {
        throw std::runtime_error("zlib compress failed");
    }
    idat.resize(size - 4);  // no Adler-32: the stream goes on, the file does not
    png_chunk(&out, "IDAT", idat);
    return out;
}

// A small JPEG whose frame header is rewritten to claim width x height.
Bytes jpeg(uint32_t width, uint32_t height, bool progressive) {
    JpegOptions options;
    options.progressive = progressive;
    Bytes out = encode_jpeg(std::vector<uint8_t>(64 * 64 * 3, 128), 64, 64, 3, options);
    for (size_t i = 2; i + 9 < out.size(); ++i) {
        if (out[i] == 0xFF && (out[i + 1] == 0xC0 || out[i + 1] == 0xC2)) {
            out[i + 5] = static_cast<uint8_t>(height >> 8);
            out[i + 6] = static_cast<uint8_t>(height);
            out[i + 7] = static_cast<uint8_t>(width >> 8);
            out[i + 8] = static_cast<uint8_t>(width);
            return out;
        }
    }
    throw std::runtime_error("no frame header in the encoded JPEG");
}

}  // namespace

std::vector<HostileFile> files_claiming(uint32_t width, uint32_t height) {
    std::vector<HostileFile> files;
    {
        Bytes bmp = bmp_headers(width, height, 24, 0, 0, 0);
        bmp.insert(bmp.end(), 96, 0x55);
        files.push_back({"bmp", bmp});
        // RLE8: one run, then the end of the bitmap: a valid file, mostly palette index 0.
        Bytes rle = bmp_headers(width, height, 8, 1, 2, 0);
        rle.insert(rle.end(), {0xff, 0x01, 0x00, 0x01});
        files.push_back({"bmp-rle8", rle});
    }
    {
        Bytes tga = tga_header(width, height, 2);
        tga.insert(tga.end(), 96, 0x55);
        files.push_back({"tga", tga});
        Bytes rle = tga_header(width, height, 10);
        for (int i = 0; i < 16; ++i) rle.insert(rle.end(), {0xff, 0x10, 0x20, 0x30});  // runs of 128
        files.push_back({"tga-rle", rle});
    }
    files.push_back({"psd", psd(width, height, 0)});
    files.push_back({"psd-rle", psd(width, height, 1)});
    {
        Bytes pnm;
        append(&pnm, "P6\n" + std::to_string(width) + " " + std::to_string(height) + "\n255\n");
        pnm.insert(pnm.end(), 96, 0x55);
        files.push_back({"pnm", pnm});
    }
    {
        Bytes flat = hdr_header(width, height);
        flat.insert(flat.end(), 96, 0x80);  // width >= 32768 or rows not starting 2,2: flat
        files.push_back({"hdr", flat});
        Bytes rle = hdr_header(width, height);
        rle.insert(rle.end(), {2, 2, static_cast<uint8_t>(width >> 8 & 0x7f), static_cast<uint8_t>(width)});
        for (int i = 0; i < 8; ++i) rle.insert(rle.end(), {0xff, 0x40});  // runs of 127
        files.push_back({"hdr-rle", rle});
    }
    files.push_back({"gif", gif(width, height, false)});
    files.push_back({"gif-interlaced", gif(width, height, true)});
    files.push_back({"png", png(width, height, false)});
    files.push_back({"png-interlaced", png(width, height, true)});
    files.push_back({"jpeg", jpeg(width, height, false)});
    files.push_back({"jpeg-progressive", jpeg(width, height, true)});
    return files;
}

Bytes hdr_rle_zero_count(uint32_t width) {
    Bytes out = hdr_header(width, 4);
    out.insert(out.end(), {2, 2, static_cast<uint8_t>(width >> 8), static_cast<uint8_t>(width)});
    // A run of 2, then a count of 0 where the data ends: stb reads zeros past the end, so
    // its count stays 0 and its position never advances.
    out.insert(out.end(), {0x82, 0x40, 0x00});
    return out;
}

Bytes hdr_rle_cut_inside_run(uint32_t width) {
    Bytes out = hdr_header(width, 4);
    out.insert(out.end(), {2, 2, static_cast<uint8_t>(width >> 8), static_cast<uint8_t>(width)});
    out.push_back(static_cast<uint8_t>(std::min<uint32_t>(width, 100)));  // literals announced; only 5 follow
    out.insert(out.end(), {1, 2, 3, 4, 5});
    return out;
}

Bytes bmp_palette_indices(uint32_t width, uint32_t height, uint32_t palette_entries, uint32_t data_offset) {
    Bytes out = bmp_headers(width, height, 8, 0, palette_entries, data_offset);
    if (data_offset != 0) out.resize(data_offset);
    const uint32_t stride = (width + 3) / 4 * 4;
    for (uint32_t y = 0; y < height; ++y) {
        for (uint32_t x = 0; x < stride; ++x) out.push_back(static_cast<uint8_t>(y * width + x));
    }
    return out;
}

Bytes progressive_jpeg_many_scans(uint32_t width, uint32_t height) {
    // DC in one scan; then each AC coefficient k alone, first at point transform 9 and
    // refined one bit per scan down to 0: 1 + 63 * 10 = 631 scans, under libjpeg's and
    // parcrop's scan caps.
    constexpr int kLowestBit = 9;
    std::vector<jpeg_scan_info> script;
    script.push_back({1, {0}, 0, 0, 0, 0});
    for (int k = 1; k < 64; ++k) {
        script.push_back({1, {0}, k, k, 0, kLowestBit});
        for (int bit = kLowestBit; bit > 0; --bit) script.push_back({1, {0}, k, k, bit, bit - 1});
    }
    jpeg_compress_struct cinfo;
    jpeg_error_mgr errors;
    cinfo.err = jpeg_std_error(&errors);
    jpeg_create_compress(&cinfo);
    unsigned char* buffer = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&cinfo, &buffer, &size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = 1;
    cinfo.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&cinfo);
    cinfo.scan_info = script.data();
    cinfo.num_scans = static_cast<int>(script.size());
    jpeg_start_compress(&cinfo, TRUE);
    std::vector<JSAMPLE> row(width, 128);
    JSAMPROW rows[1] = {row.data()};
    while (cinfo.next_scanline < cinfo.image_height) jpeg_write_scanlines(&cinfo, rows, 1);
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    Bytes out(buffer, buffer + size);
    std::free(buffer);
    return out;
}

}  // namespace parcrop_test
