#include "jpeg_fixtures.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <jpeglib.h>

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#include <stb/stb_image.h>

namespace parcrop_test {
namespace {

[[noreturn]] void throw_on_error(j_common_ptr cinfo) {
    char message[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, message);
    throw std::runtime_error(message);
}

}  // namespace

std::vector<uint8_t> encode_jpeg(const std::vector<uint8_t>& pixels, uint32_t width, uint32_t height,
                                 uint32_t channels, const JpegOptions& options) {
    jpeg_compress_struct cinfo{};
    jpeg_error_mgr errors{};
    cinfo.err = jpeg_std_error(&errors);
    errors.error_exit = throw_on_error;
    jpeg_create_compress(&cinfo);
    unsigned char* buffer = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&cinfo, &buffer, &size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = static_cast<int>(channels);
    cinfo.in_color_space = options.cmyk ? JCS_CMYK : channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    if (options.cmyk) jpeg_set_colorspace(&cinfo, JCS_YCCK);
    jpeg_set_quality(&cinfo, options.quality, TRUE);
    if (channels >= 3) {
        cinfo.comp_info[0].h_samp_factor = options.h_samp;
        cinfo.comp_info[0].v_samp_factor = options.v_samp;
        for (int c = 1; c < cinfo.num_components; ++c) {
            cinfo.comp_info[c].h_samp_factor = 1;
            cinfo.comp_info[c].v_samp_factor = 1;
        }
        if (options.cmyk) {
            cinfo.comp_info[3].h_samp_factor = options.h_samp;
            cinfo.comp_info[3].v_samp_factor = options.v_samp;
        }
    }
    cinfo.restart_in_rows = static_cast<int>(options.restart_rows);
    cinfo.restart_interval = options.restart_mcus;
    cinfo.arith_code = options.arithmetic ? TRUE : FALSE;
    cinfo.optimize_coding = options.optimize ? TRUE : FALSE;
    if (options.progressive) jpeg_simple_progression(&cinfo);
    cinfo.write_Adobe_marker = options.cmyk ? TRUE : cinfo.write_Adobe_marker;
    jpeg_start_compress(&cinfo, TRUE);
    const size_t stride = size_t{width} * channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = const_cast<JSAMPROW>(pixels.data() + cinfo.next_scanline * stride);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    std::vector<uint8_t> out(buffer, buffer + size);
    std::free(buffer);
    jpeg_destroy_compress(&cinfo);
    return out;
}

Pixels libjpeg_full_decode(const std::vector<uint8_t>& jpeg, uint32_t channels, uint32_t denom) {
    jpeg_decompress_struct cinfo{};
    jpeg_error_mgr errors{};
    cinfo.err = jpeg_std_error(&errors);
    errors.error_exit = throw_on_error;
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, jpeg.data(), jpeg.size());
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = channels == 1 ? JCS_GRAYSCALE : channels == 3 ? JCS_RGB : JCS_EXT_RGBX;
    cinfo.scale_num = 1;
    cinfo.scale_denom = denom;
    cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&cinfo);
    Pixels d;
    d.width = cinfo.output_width;
    d.height = cinfo.output_height;
    d.channels = channels;
    d.data.resize(size_t{d.width} * d.height * channels);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = d.data.data() + size_t{cinfo.output_scanline} * d.width * channels;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return d;
}

Pixels stb_full_decode(const std::vector<uint8_t>& bytes, uint32_t channels) {
    int w = 0, h = 0, n = 0;
    stbi_uc* data = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &n,
                                          static_cast<int>(channels));
    if (data == nullptr) throw std::runtime_error(stbi_failure_reason());
    Pixels d;
    d.width = static_cast<uint32_t>(w);
    d.height = static_cast<uint32_t>(h);
    d.channels = channels;
    d.data.assign(data, data + size_t{d.width} * d.height * channels);
    stbi_image_free(data);
    return d;
}

}  // namespace parcrop_test
